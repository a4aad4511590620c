import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Ids } from "../../src/slack/ids.ts";
import { createClient } from "../support/ledger-data.ts";
import { REQUESTER, testPolicy } from "../support/policy.ts";
import { readable, TestBot } from "../support/slack-bot.ts";

const bot = new TestBot(testPolicy({ language: "en" }));
beforeAll(() => bot.start());
afterAll(() => bot.stop());
beforeEach(() => bot.fake.clear());

const A = Ids.action;

describe("Slack failures lose nothing", () => {
  it("a card Slack could not update is updated later from a durable job, its thread reply posted once and in order", async () => {
    const client = await createClient(bot.db, { name: "Outage Co" });
    const request = await bot.openByForm(REQUESTER, client, { kind: "voluntary", reason: "Leaving", requestedOn: "2026-08-09" });
    const card = await bot.db.slackPost.findUniqueOrThrow({ where: { requestId_purpose: { requestId: request.id, purpose: "card" } } });

    // Slack fails the next two card updates; the tick itself is committed all the same.
    bot.fake.clear();
    bot.fake.failing.set("chat.update", 2);
    await bot.click(REQUESTER, A.tick, JSON.stringify({ r: request.id, c: "phone_call" }));
    expect((await bot.db.check.findUniqueOrThrow({ where: { requestId_checkId: { requestId: request.id, checkId: "phone_call" } } })).status).toBe("done");
    expect(bot.fake.failed).toEqual(["chat.update"]);
    expect(bot.fake.called("chat.update")).toEqual([]);
    expect(await bot.db.job.count({ where: { requestId: request.id, kind: "slack.publish", status: "pending" } })).toBe(1);

    // The first retry meets the second failure and backs off; the next one gets through.
    bot.clock.advance(5_000);
    await bot.runDueJobs();
    expect(bot.fake.failed).toEqual(["chat.update", "chat.update"]);
    expect(bot.fake.called("chat.update")).toEqual([]);
    bot.clock.advance(30_000);
    await bot.runDueJobs();
    const updates = bot.fake.called("chat.update", (a) => a.ts === card.ts);
    expect(updates).toHaveLength(1);
    expect(readable(updates[0]!.blocks)).toMatch(/\*Phone call\* — <@U0REQUESTER>/);
    const replies = bot.fake.called("chat.postMessage", (a) => a.thread_ts === card.ts).map((a) => String(a.text));
    expect(replies).toEqual(["<@U0REQUESTER> ticked *Phone call*."]);

    // Nothing is posted twice afterwards.
    bot.clock.advance(3_600_000);
    bot.fake.clear();
    await bot.runDueJobs();
    expect(bot.fake.called("chat.postMessage", (a) => a.thread_ts === card.ts)).toEqual([]);
  });

  it("a thread reply Slack refused is posted on the retry, before the replies that came after it", async () => {
    const client = await createClient(bot.db, { name: "Order Matters" });
    const request = await bot.openByForm(REQUESTER, client, { kind: "voluntary", reason: "Leaving", requestedOn: "2026-08-09" });
    const card = await bot.db.slackPost.findUniqueOrThrow({ where: { requestId_purpose: { requestId: request.id, purpose: "card" } } });
    bot.fake.clear();
    bot.fake.failing.set("chat.postMessage", 1);
    await bot.click(REQUESTER, A.tick, JSON.stringify({ r: request.id, c: "phone_call" }));
    await bot.click(REQUESTER, A.untick, JSON.stringify({ r: request.id, c: "phone_call" }));
    bot.clock.advance(5_000);
    await bot.runDueJobs();
    const replies = bot.fake.called("chat.postMessage", (a) => a.thread_ts === card.ts).map((a) => String(a.text));
    expect(replies).toEqual(["<@U0REQUESTER> ticked *Phone call*.", "<@U0REQUESTER> unticked *Phone call*."]);
  });
});

describe("when the database cannot be reached", () => {
  it("the person is told privately, in their language, and nothing is half-done", async () => {
    const client = await createClient(bot.db, { name: "Db Down SA" });
    const request = await bot.openByForm(REQUESTER, client, { kind: "voluntary", reason: "Leaving", requestedOn: "2026-08-09" });
    const before = await bot.db.auditEvent.count({ where: { requestId: request.id } });
    // Someone whose language Offboard has not looked up yet.
    const colleague = "U0COLEGA";
    bot.fake.locales.set(colleague, "es-ES");
    const db = bot.db;
    const transaction = db.$transaction.bind(db);
    db.$transaction = (() => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:5432"))) as typeof db.$transaction;
    try {
      const click = await bot.click(colleague, A.tick, JSON.stringify({ r: request.id, c: "phone_call" }));
      expect(bot.responseTo(click.responseId)).toMatchObject({
        response_type: "ephemeral",
        text: "Algo falló de nuestro lado y no se cambió nada. Inténtelo de nuevo; si sigue pasando, avise al administrador de Offboard.",
      });
    } finally {
      db.$transaction = transaction;
    }
    expect((await bot.db.check.findUniqueOrThrow({ where: { requestId_checkId: { requestId: request.id, checkId: "phone_call" } } })).status).toBe("pending");
    expect(await bot.db.auditEvent.count({ where: { requestId: request.id } })).toBe(before);
  });
});
