import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { policySchema } from "../../src/config/policy-schema.ts";
import { Ids } from "../../src/slack/ids.ts";
import { createClient } from "../support/ledger-data.ts";
import { MANAGER_A, REQUESTER } from "../support/policy.ts";
import { buttons, readable, TestBot } from "../support/slack-bot.ts";
import { verifyAudit } from "../../src/db/audit.ts";

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
      checks: [
        { id: "phone_confirmation", label: "Confirmed by phone", evidence: "none" },
        { id: "backup", label: "Backup delivered or declined", evidence: "required" },
      ],
      actions: ["inactivate_client"],
      calendar: { notice: { cutoff_day: 10 }, service_ends: "end_of_month", data_deletion: "end_of_following_month", deletion_waits_for: ["backup"], deletion_reminder: "7d" },
      reactivation: { until: "before_deletion" },
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

/** /deactivate and the form, as a person asked on 9 August. */
function openVoluntary(client: { id: string; ref: string }, reason: string) {
  return bot.openByForm(REQUESTER, client, { kind: "voluntary", reason, requestedOn: "2026-08-09" });
}

describe("scheduled execution", () => {
  it("a ready request waits for the end of service, then inactivates by itself; early Execute is refused", async () => {
    const client = await createClient(bot.db, { name: "ZetaCliente" });
    const request = await openVoluntary(client, "Moving to another system");
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
    const request = await openVoluntary(client, "Leaving");
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
      expect(buttons((await bot.card(request.id)).blocks)).toContain(A.execute);
    } finally {
      ledger.inactivateClient = original;
    }
  });

  async function executedOn1September(name: string) {
    bot.clock.set("2026-08-09T15:00:00Z");
    const client = await createClient(bot.db, { name });
    await bot.db.contact.create({ data: { clientId: client.id, name: "Ana Pérez", email: "ana@example.com", phone: "+598 99 000 000", isPrimary: true } });
    const request = await openVoluntary(client, "Leaving");
    await bot.click(REQUESTER, A.tick, JSON.stringify({ r: request.id, c: "phone_confirmation" }));
    bot.clock.set("2026-09-01T03:00:00Z");
    await bot.runDueJobs();
    expect((await bot.db.client.findUniqueOrThrow({ where: { id: client.id } })).status).toBe("inactive");
    return { client, request };
  }

  it("data is deleted on its date (seed 002), after a reminder, and only once the backup check is done", async () => {
    const { client, request } = await executedOn1September("Datos SRL");
    // The backup check did not gate inactivation and can still be ticked.
    expect(buttons(lastCard().blocks)).toEqual([A.tick]);

    // A week before (30 September 00:00 minus 7 days, at the start of business hours): the requester is told.
    bot.fake.clear();
    bot.clock.set("2026-09-23T12:00:00Z");
    await bot.runDueJobs();
    // Only this request's thread: other tests' clients reach their dates too.
    const card = await bot.db.slackPost.findUniqueOrThrow({ where: { requestId_purpose: { requestId: request.id, purpose: "card" } } });
    const thread = () => bot.fake.called("chat.postMessage", (a) => a.thread_ts === card.ts).map((a) => String(a.text));
    expect(thread()).toEqual([
      "<@U0REQUESTER> :wastebasket: The data of Datos SRL will be deleted on 30 Sept 2026, 00:00. It waits for “Backup delivered or declined”: tick them here (the client may still ask for a backup).",
    ]);

    // On the day, deletion waits for the backup check and says so.
    bot.fake.clear();
    bot.clock.set("2026-09-30T03:00:00Z");
    await bot.runDueJobs();
    expect(thread()).toEqual([":hourglass: Data deletion waits for “Backup delivered or declined”; it will be tried again on 1 Oct 2026, 09:00."]);
    expect((await bot.db.contact.findFirstOrThrow({ where: { clientId: client.id } })).email).toBe("ana@example.com");

    // The backup is delivered (ticked after inactivation, with evidence); the next try deletes.
    await bot.click(REQUESTER, A.tick, JSON.stringify({ r: request.id, c: "backup" }));
    await bot.submit(REQUESTER, bot.lastModal(), { [B.evidence]: { [A.evidence]: { value: "Backup sent, invoice 555 paid" } } });
    bot.fake.clear();
    bot.clock.set("2026-10-01T12:00:00Z");
    await bot.runDueJobs();
    expect(thread()).toEqual([":wastebasket: Personal data of Datos SRL deleted, as the policy says; the client record and this history stay."]);
    expect(await bot.db.contact.findFirstOrThrow({ where: { clientId: client.id } })).toMatchObject({ name: "", email: null, phone: null });
    expect(await bot.db.client.findUniqueOrThrow({ where: { id: client.id } })).toMatchObject({ name: "Datos SRL", status: "inactive", dataDeletedAt: new Date("2026-10-01T12:00:00Z") });
    expect(readable(lastCard().blocks)).toContain("Personal data deleted on 1 Oct 2026, 09:00");
    expect(buttons(lastCard().blocks)).toEqual([]);
    const after = await bot.click(REQUESTER, A.untick, JSON.stringify({ r: request.id, c: "backup" }));
    expect(bot.responseTo(after.responseId)?.text).toBe("This request is closed (executed): nothing can change it any more.");
    expect(await verifyAudit(bot.db)).toMatchObject({ ok: true });
  });

  it("a client reactivated before the deletion date keeps its data", async () => {
    const { client, request } = await executedOn1September("Vuelve SA");
    bot.clock.set("2026-09-15T15:00:00Z");
    await bot.command(MANAGER_A, client.ref, "/reactivate");
    await bot.submit(MANAGER_A, bot.lastModal(), {});
    expect(await bot.db.job.findMany({ where: { requestId: request.id, kind: { startsWith: "data.delete" } }, select: { status: true } })).toEqual([{ status: "cancelled" }, { status: "cancelled" }]);
    bot.clock.set("2026-10-02T12:00:00Z");
    await bot.runDueJobs();
    expect(await bot.db.contact.findFirstOrThrow({ where: { clientId: client.id } })).toMatchObject({ email: "ana@example.com" });
    expect((await bot.db.client.findUniqueOrThrow({ where: { id: client.id } })).dataDeletedAt).toBeNull();
  });
});
