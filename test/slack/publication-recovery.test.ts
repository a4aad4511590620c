import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PUBLICATION_GRACE_MS } from "../../src/db/publications.ts";
import { openRequest, tickCheck } from "../../src/services/requests.ts";
import { loadRequestView } from "../../src/db/request-views.ts";
import { Ids } from "../../src/slack/ids.ts";
import { requestCard } from "../../src/slack/views/request-card.ts";
import { createClient } from "../support/ledger-data.ts";
import { REQUESTER, testPolicy } from "../support/policy.ts";
import { readable, TestBot } from "../support/slack-bot.ts";

// A process can die (or its database write fail) between a change's commit
// and Slack showing it, or between Slack taking a post and its row being saved.
const bot = new TestBot(testPolicy({ language: "en" }));
beforeAll(() => bot.start());
afterAll(() => bot.stop());
beforeEach(() => bot.fake.clear());
afterEach(() => allowSaves());

const A = Ids.action;
const services = () => bot.slack.deps.services;

/** Makes the database refuse to save where a card (insert) or a thread position (threadSeq) goes, as when it fails right after Slack took a post. */
async function refuseSaves(what: "card" | "threadSeq"): Promise<void> {
  await bot.db.$executeRawUnsafe(`CREATE OR REPLACE FUNCTION offboard_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected: the row could not be saved'; END $$`);
  await bot.db.$executeRawUnsafe(
    what === "card"
      ? `CREATE TRIGGER offboard_test_refuse BEFORE INSERT ON "SlackPost" FOR EACH ROW EXECUTE FUNCTION offboard_test_refuse()`
      : `CREATE TRIGGER offboard_test_refuse BEFORE UPDATE ON "SlackPost" FOR EACH ROW WHEN (NEW."threadSeq" IS DISTINCT FROM OLD."threadSeq") EXECUTE FUNCTION offboard_test_refuse()`,
  );
}

async function allowSaves(): Promise<void> {
  await bot.db.$executeRawUnsafe(`DROP TRIGGER IF EXISTS offboard_test_refuse ON "SlackPost"`);
}

/** What the card would show if rendered afresh from the database now. */
async function freshCard(requestId: string) {
  const view = await loadRequestView(bot.db, requestId, bot.clock.now());
  return requestCard(view!, bot.slack.deps.publisher.channelContext());
}

const publication = (requestId: string) => bot.db.publication.findUniqueOrThrow({ where: { requestId } });
const topLevelPosts = (channel: string, requestId: string) =>
  bot.fake.called("chat.postMessage", (a) => a.channel === channel && !a.thread_ts && (a.metadata as { event_payload?: { request_id?: string } } | undefined)?.event_payload?.request_id === requestId);

describe("a change committed but never shown (the process died before publishing)", () => {
  it("is marked in its own transaction and shown by the scheduler's sweep once its grace has passed", async () => {
    const client = await createClient(bot.db, { name: "Crashed Before Card" });
    // Opened and changed through the services alone: no listener, so no publication, as if the process died after each commit.
    const opened = await openRequest(services(), { clientRef: client.ref, kind: "voluntary", requestedBy: REQUESTER, reason: "Leaving" });
    if (!opened.ok) throw new Error(opened.error.code);
    const requestId = opened.request.id;
    expect(await tickCheck(services(), requestId, REQUESTER, "phone_call")).toMatchObject({ ok: true });
    expect(await publication(requestId)).toMatchObject({ dirty: true, holder: null });

    // The process that made the change gets its grace first: the sweep leaves it alone.
    await bot.runDueJobs();
    expect(topLevelPosts("C0REQUESTS", requestId)).toEqual([]);

    bot.clock.advance(PUBLICATION_GRACE_MS + 1);
    await bot.runDueJobs();
    expect(topLevelPosts("C0REQUESTS", requestId)).toHaveLength(1);
    expect(topLevelPosts("C0MANAGERS", requestId)).toHaveLength(1);
    expect((await bot.card(requestId)).blocks).toEqual((await freshCard(requestId)).blocks);
    const card = await bot.db.slackPost.findUniqueOrThrow({ where: { requestId_purpose: { requestId, purpose: "card" } } });
    const replies = bot.fake.called("chat.postMessage", (a) => a.thread_ts === card.ts).map((a) => String(a.text));
    expect(replies).toContain("<@U0REQUESTER> ticked *Phone call*.");
    // Shown: the mark is cleared, and a normal publication never looked anything up in Slack.
    expect(await publication(requestId)).toMatchObject({ dirty: false, holder: null, leaseUntil: null, recover: false });
    expect(bot.fake.called("conversations.history")).toEqual([]);
    expect(bot.fake.called("conversations.replies")).toEqual([]);

    // Nothing is left to do: later sweeps post nothing more.
    bot.fake.clear();
    bot.clock.advance(3_600_000);
    await bot.runDueJobs();
    expect(bot.fake.called("chat.postMessage")).toEqual([]);
    expect(bot.fake.called("chat.update")).toEqual([]);
  });

  it("a change made while a card is already shown updates it and adds its reply, without any click publishing it", async () => {
    const client = await createClient(bot.db, { name: "Crashed After Tick" });
    const request = await bot.openByForm(REQUESTER, client, { kind: "voluntary", reason: "Leaving", requestedOn: "2026-08-09" });
    const card = await bot.db.slackPost.findUniqueOrThrow({ where: { requestId_purpose: { requestId: request.id, purpose: "card" } } });
    bot.fake.clear();
    expect(await tickCheck(services(), request.id, REQUESTER, "phone_call")).toMatchObject({ ok: true });
    bot.clock.advance(PUBLICATION_GRACE_MS + 1);
    await bot.runDueJobs();
    expect(bot.fake.called("chat.update", (a) => a.ts === card.ts)).toHaveLength(1);
    expect(readable((await bot.card(request.id)).blocks)).toMatch(/\*Phone call\* — <@U0REQUESTER>/);
    expect(bot.fake.called("chat.postMessage", (a) => a.thread_ts === card.ts).map((a) => String(a.text))).toEqual(["<@U0REQUESTER> ticked *Phone call*."]);
    expect(await publication(request.id)).toMatchObject({ dirty: false, leaseUntil: null });
  });
});

describe("a post Slack took whose row was never saved", () => {
  it("a card: found again by its metadata in the channel and adopted, not posted twice", async () => {
    const client = await createClient(bot.db, { name: "Unsaved Card" });
    await refuseSaves("card");
    await bot.openByForm(REQUESTER, client, { kind: "voluntary", reason: "Leaving", requestedOn: "2026-08-09" });
    const request = await bot.db.deactivationRequest.findFirstOrThrow({ where: { clientId: client.id } });
    expect(topLevelPosts("C0REQUESTS", request.id)).toHaveLength(1);
    expect(await bot.db.slackPost.count({ where: { requestId: request.id } })).toBe(0);
    await allowSaves();

    bot.clock.advance(5_000);
    await bot.runDueJobs();
    expect(topLevelPosts("C0REQUESTS", request.id)).toHaveLength(1);
    expect(topLevelPosts("C0MANAGERS", request.id)).toHaveLength(1);
    expect(bot.fake.called("conversations.history", (a) => a.channel === "C0REQUESTS")).not.toEqual([]);
    const posted = bot.fake.history("C0REQUESTS").find(({ message }) => (message.metadata as { event_payload?: { request_id?: string } }).event_payload?.request_id === request.id)!;
    const card = await bot.db.slackPost.findUniqueOrThrow({ where: { requestId_purpose: { requestId: request.id, purpose: "card" } } });
    expect(card.ts).toBe(posted.ts);
    expect((await bot.card(request.id)).blocks).toEqual((await freshCard(request.id)).blocks);
    // Its thread is posted once, in order, after the adopted card.
    const replies = bot.fake.thread("C0REQUESTS", card.ts).slice(1).map(({ message }) => (message.metadata as { event_payload: { seq: number } }).event_payload.seq);
    expect(replies).toEqual([...new Set(replies)].sort((a, b) => a - b));
    expect(await publication(request.id)).toMatchObject({ dirty: false, holder: null, leaseUntil: null, recover: false });
  });

  it("a thread reply: found again by its metadata in the thread and adopted, not posted twice", async () => {
    const client = await createClient(bot.db, { name: "Unsaved Reply" });
    const request = await bot.openByForm(REQUESTER, client, { kind: "voluntary", reason: "Leaving", requestedOn: "2026-08-09" });
    const card = await bot.db.slackPost.findUniqueOrThrow({ where: { requestId_purpose: { requestId: request.id, purpose: "card" } } });
    bot.fake.clear();
    await refuseSaves("threadSeq");
    await bot.click(REQUESTER, A.tick, JSON.stringify({ r: request.id, c: "phone_call" }));
    const ticked = () => bot.fake.called("chat.postMessage", (a) => a.thread_ts === card.ts && /ticked \*Phone call\*/.test(String(a.text)));
    expect(ticked()).toHaveLength(1);
    await allowSaves();

    bot.clock.advance(5_000);
    await bot.runDueJobs();
    expect(ticked()).toHaveLength(1);
    expect(bot.fake.called("conversations.replies", (a) => a.ts === card.ts)).not.toEqual([]);
    const event = await bot.db.auditEvent.findFirstOrThrow({ where: { requestId: request.id, action: "check.ticked" } });
    expect((await bot.db.slackPost.findUniqueOrThrow({ where: { id: card.id } })).threadSeq).toBe(event.seq);
    expect(await publication(request.id)).toMatchObject({ dirty: false, holder: null, recover: false });

    // The next change is shown as usual, without looking anything up.
    bot.fake.clear();
    await bot.click(REQUESTER, A.untick, JSON.stringify({ r: request.id, c: "phone_call" }));
    expect(bot.fake.called("chat.postMessage", (a) => a.thread_ts === card.ts).map((a) => String(a.text))).toEqual(["<@U0REQUESTER> unticked *Phone call*."]);
    expect(bot.fake.called("conversations.replies")).toEqual([]);
  });

  it("a holder that died mid-publication: the sweep takes over after its lease and adopts what it posted", async () => {
    const client = await createClient(bot.db, { name: "Dead Holder" });
    const request = await bot.openByForm(REQUESTER, client, { kind: "voluntary", reason: "Leaving", requestedOn: "2026-08-09" });
    const card = await bot.db.slackPost.findUniqueOrThrow({ where: { requestId_purpose: { requestId: request.id, purpose: "card" } } });
    // Another process committed a tick, took the publication, posted the reply, and died before saving it.
    expect(await tickCheck(services(), request.id, REQUESTER, "phone_call")).toMatchObject({ ok: true });
    const event = await bot.db.auditEvent.findFirstOrThrow({ where: { requestId: request.id, action: "check.ticked" } });
    const now = bot.clock.now();
    await bot.db.publication.update({ where: { requestId: request.id }, data: { holder: "dead-process", dirty: false, leaseUntil: new Date(now.getTime() + 60_000) } });
    await bot.slack.app.client.chat.postMessage({
      channel: card.channel,
      thread_ts: card.ts,
      text: "<@U0REQUESTER> ticked *Phone call*.",
      metadata: { event_type: "offboard_post", event_payload: { request_id: request.id, seq: Number(event.seq) } },
    });
    bot.fake.clear();

    bot.clock.advance(30_000);
    await bot.runDueJobs();
    expect(bot.fake.called("chat.update")).toEqual([]); // its lease still runs: it may only be slow

    bot.clock.advance(31_000);
    await bot.runDueJobs();
    expect(bot.fake.called("chat.postMessage", (a) => a.thread_ts === card.ts)).toEqual([]);
    expect(readable((await bot.card(request.id)).blocks)).toMatch(/\*Phone call\* — <@U0REQUESTER>/);
    expect((await bot.db.slackPost.findUniqueOrThrow({ where: { id: card.id } })).threadSeq).toBe(event.seq);
    expect(await publication(request.id)).toMatchObject({ dirty: false, holder: null, leaseUntil: null, recover: false });
  });
});
