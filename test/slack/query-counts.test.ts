import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Ids } from "../../src/slack/ids.ts";
import { addInvoice, createClient } from "../support/ledger-data.ts";
import { MANAGER_A, REQUESTER, testPolicy } from "../support/policy.ts";
import { TestBot } from "../support/slack-bot.ts";

// The work each interaction costs the database, counted at the driver: every
// statement sent (BEGIN and COMMIT included), from the request's arrival to
// the end of everything it started, its Slack publication included. Counts
// are deterministic, so they are asserted; time is left to `npm run bench`.

const A = Ids.action;
const bot = new TestBot(testPolicy({ language: "en" }));
beforeAll(() => bot.start());
afterAll(() => bot.stop());
beforeEach(() => bot.fake.clear());

/** The statements an interaction sent, and how many came before a given Web API call. */
async function counted(work: () => Promise<unknown>, before?: string): Promise<{ total: number; beforeCall: number | undefined; sql: string[] }> {
  bot.fake.clear();
  bot.queries.length = 0;
  let beforeCall: number | undefined;
  bot.fake.onCall = (method) => {
    if (method === before && beforeCall === undefined) beforeCall = bot.queries.length;
  };
  try {
    await work();
  } finally {
    bot.fake.onCall = undefined;
  }
  return { total: bot.queries.length, beforeCall, sql: [...bot.queries] };
}

const show = (sql: string[]) => sql.map((q, i) => `${i + 1}. ${q.replace(/\s+/g, " ").slice(0, 160)}`).join("\n");

describe("queries per interaction", () => {
  it("/deactivate CLIENT reaches views.open within 4 statements", async () => {
    const client = await createClient(bot.db, { name: "Counted Command" });
    const { beforeCall, sql } = await counted(() => bot.command(REQUESTER, client.ref), "views.open");
    expect(beforeCall, show(sql)).toBeDefined();
    expect(beforeCall!, show(sql.slice(0, beforeCall))).toBeLessThanOrEqual(4);
  });

  it("a tick, its card update and its thread reply: at most 15 statements", async () => {
    const client = await createClient(bot.db, { name: "Counted Tick" });
    await addInvoice(bot.db, client.id, "F-1", 100n, "paid");
    const request = await bot.openByForm(REQUESTER, client, { kind: "voluntary", reason: "Closing", requestedOn: "2026-08-09" });
    const { total, sql } = await counted(() => bot.click(REQUESTER, A.tick, JSON.stringify({ r: request.id, c: "phone_call" })));
    expect(bot.fake.called("chat.update")).toHaveLength(1);
    expect(bot.fake.called("chat.postMessage").map((a) => a.text)).toEqual(["<@U0REQUESTER> ticked *Phone call*."]);
    expect(total, show(sql)).toBeLessThanOrEqual(15);
  });

  it("an Approve, both cards, its thread reply and the requester's message: at most 15 statements", async () => {
    const client = await createClient(bot.db, { name: "Counted Approve" });
    const request = await bot.openByForm(REQUESTER, client, { kind: "voluntary", reason: "Closing", requestedOn: "2026-08-09" });
    const { total, sql } = await counted(() => bot.click(MANAGER_A, A.approve, request.id));
    expect(await bot.db.approval.count({ where: { requestId: request.id } })).toBe(1);
    expect(bot.fake.called("chat.update")).toHaveLength(2);
    expect(bot.fake.called("chat.postMessage").map((a) => [a.channel, a.text])).toEqual([
      [REQUESTER, `Your request #${request.number} (Counted Approve) was approved by <@U0MANAGERA>.`],
      ["C0REQUESTS", "<@U0MANAGERA> approved (1 of 1)."],
    ]);
    expect(total, show(sql)).toBeLessThanOrEqual(15);
  });
});
