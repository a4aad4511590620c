import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { policySchema } from "../../src/domain/policy.ts";
import { Ids } from "../../src/slack/ids.ts";
import { createClient } from "../support/ledger-data.ts";
import { MANAGER_A, REQUESTER } from "../support/policy.ts";
import { buttons, readable, TestBot } from "../support/slack-bot.ts";

// Seed 002: asked before the 10th, service until the end of the month, then inactivated.
const policy = policySchema.parse({
  version: 1,
  timezone: "America/Montevideo",
  language: "en",
  channels: { requests: "C0REQUESTS", management: "C0MANAGERS" },
  approvers: { users: [MANAGER_A] },
  kinds: {
    voluntary: {
      label: "Voluntary",
      checks: [{ id: "phone_confirmation", label: "Confirmed by phone", evidence: "none" }],
      actions: ["inactivate_client"],
      calendar: { notice: { cutoff_day: 10 }, service_ends: "end_of_month", data_deletion: "end_of_following_month" },
    },
  },
});

const bot = new TestBot(policy);
bot.clock.set("2026-08-09T15:00:00Z"); // 9 August, 12:00 in Montevideo
beforeAll(() => bot.start());
afterAll(() => bot.stop());
beforeEach(() => bot.fake.clear());

const A = Ids.action;
const B = Ids.block;
const lastCard = () => bot.fake.calls.filter((c) => (c.method === "chat.update" || (c.method === "chat.postMessage" && !c.args.thread_ts)) && c.args.channel === "C0REQUESTS").at(-1)!.args;

describe("scheduled execution", () => {
  it("a ready request waits for the end of service, then inactivates by itself; early Execute is refused", async () => {
    const client = await createClient(bot.db, { name: "ZetaCliente" });
    await bot.command(REQUESTER, client.ref);
    await bot.submit(REQUESTER, bot.lastModal(), {
      [B.kind]: { [A.kind]: { selected_option: { value: "voluntary" } } },
      [B.reason]: { [A.reason]: { value: "Moving to another system" } },
      [B.requestedOn]: { [A.requestedOn]: { selected_date: "2026-08-09" } },
    });
    const request = await bot.db.deactivationRequest.findFirstOrThrow({ where: { clientId: client.id } });
    const tick = JSON.stringify({ r: request.id, c: "phone_confirmation" });
    await bot.click(REQUESTER, A.tick, tick);

    const card = readable(lastCard().blocks);
    expect(card).toContain("*Service ends*\n31 Aug 2026");
    expect(card).toContain("Inactivation scheduled for 1 Sept 2026, 00:00, when the service ends.");
    expect(buttons(lastCard().blocks)).not.toContain(A.execute);
    const early = await bot.click(REQUESTER, A.execute, request.id);
    expect(bot.responseTo(early.responseId)?.text).toBe("Not yet: the service runs until it ends, so the inactivation runs by itself on 1 Sept 2026, 00:00.");

    // Unticking cancels the scheduled run; ticking again schedules a new one.
    await bot.click(REQUESTER, A.untick, tick);
    await bot.click(REQUESTER, A.tick, tick);
    const jobs = await bot.db.job.findMany({ where: { requestId: request.id, kind: "request.execute" }, orderBy: { createdAt: "asc" } });
    expect(jobs.map((j) => [j.status, j.runAt.toISOString()])).toEqual([
      ["cancelled", "2026-09-01T03:00:00.000Z"],
      ["pending", "2026-09-01T03:00:00.000Z"],
    ]);

    // The last evening of service: nothing yet. Midnight in Montevideo: inactivated.
    bot.clock.set("2026-09-01T02:59:00Z");
    await bot.runDueJobs();
    expect((await bot.db.client.findUniqueOrThrow({ where: { id: client.id } })).status).toBe("active");
    bot.fake.clear();
    bot.clock.set("2026-09-01T03:00:00Z");
    await bot.runDueJobs();
    expect(await bot.db.client.findUniqueOrThrow({ where: { id: client.id } })).toMatchObject({ status: "inactive", inactivatedBy: "system" });
    expect(readable(lastCard().blocks)).toContain("Inactivated as scheduled on 1 Sept 2026, 00:00");
    const thread = bot.fake.called("chat.postMessage", (a) => Boolean(a.thread_ts)).map((a) => String(a.text));
    expect(thread[0]).toBe("Offboard (scheduled) started the execution.");
    expect(await bot.db.job.count({ where: { requestId: request.id, kind: "request.execute", status: "done" } })).toBe(1);
  });

  it("a scheduled inactivation that keeps failing is retried, then said in the thread — never silence", async () => {
    bot.clock.set("2026-08-09T15:00:00Z");
    const client = await createClient(bot.db, { name: "Stubborn Ledger" });
    await bot.command(REQUESTER, client.ref);
    await bot.submit(REQUESTER, bot.lastModal(), {
      [B.kind]: { [A.kind]: { selected_option: { value: "voluntary" } } },
      [B.reason]: { [A.reason]: { value: "Leaving" } },
      [B.requestedOn]: { [A.requestedOn]: { selected_date: "2026-08-09" } },
    });
    const request = await bot.db.deactivationRequest.findFirstOrThrow({ where: { clientId: client.id } });
    await bot.click(REQUESTER, A.tick, JSON.stringify({ r: request.id, c: "phone_confirmation" }));
    await bot.db.job.updateMany({ where: { requestId: request.id, kind: "request.execute" }, data: { maxAttempts: 2 } });
    const ledger = bot.slack.deps.services.sor;
    const original = ledger.inactivateClient.bind(ledger);
    ledger.inactivateClient = async () => Promise.reject(new Error("billing system down"));
    try {
      bot.clock.set("2026-09-01T03:00:00Z");
      await bot.runDueJobs();
      expect(await bot.db.job.findFirstOrThrow({ where: { requestId: request.id, kind: "request.execute", status: { not: "cancelled" } } })).toMatchObject({ status: "pending", attempts: 1 });
      bot.fake.clear();
      bot.clock.set("2026-09-01T04:00:00Z");
      await bot.runDueJobs();
      expect(await bot.db.job.findFirstOrThrow({ where: { requestId: request.id, kind: "request.execute", status: { not: "cancelled" } } })).toMatchObject({ status: "failed", attempts: 2 });
      const thread = bot.fake.called("chat.postMessage", (a) => Boolean(a.thread_ts)).map((a) => String(a.text));
      expect(thread).toContain(":rotating_light: <@U0REQUESTER> Offboard could not run the scheduled inactivation after 2 attempts: EXECUTION.ACTION_FAILED: billing system down. Nothing more will happen by itself: please check and act by hand.");
      expect((await bot.db.client.findUniqueOrThrow({ where: { id: client.id } })).status).toBe("active");
      expect(buttons(lastCard().blocks)).toContain(A.execute);
    } finally {
      ledger.inactivateClient = original;
    }
  });
});
