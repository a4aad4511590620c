import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { loadRequestView } from "../../src/db/request-views.ts";
import { Ids } from "../../src/slack/ids.ts";
import { requestCard } from "../../src/slack/views/request-card.ts";
import { BotProcess, eventually } from "../support/bot-process.ts";
import { describeOnPostgres, testDatabaseKind } from "../support/db.ts";
import { createClient } from "../support/ledger-data.ts";
import { REQUESTER, testPolicy, testPolicyInput } from "../support/policy.ts";
import { SIGNING_SECRET, TestBot } from "../support/slack-bot.ts";

// A bot process killed (SIGKILL) while Slack holds its call open, after the
// change was committed: the next process shows the true state, posting nothing twice.
const onPostgres = testDatabaseKind === "postgres";

const A = Ids.action;
/** The fake Slack, the database and the signed requests; its own app only opens modals (its scheduler never runs). */
const bot = new TestBot(testPolicy({ language: "en" }));
let dir = "";
const processes: BotProcess[] = [];

const env = () => ({
  DATABASE_URL: bot.handle.url!,
  SLACK_BOT_TOKEN: "xoxb-test-token",
  SLACK_SIGNING_SECRET: SIGNING_SECRET,
  SLACK_API_URL: bot.fake.apiUrl,
  OFFBOARD_POLICY: "policy.yml",
  SCHEDULER_POLL_MS: "100",
});

async function startProcess(): Promise<BotProcess> {
  const started = await BotProcess.start(dir, env());
  processes.push(started);
  return started;
}

if (onPostgres) {
  beforeAll(async () => {
    await bot.start();
    dir = await mkdtemp(join(tmpdir(), "offboard-crash-"));
    await writeFile(join(dir, "policy.yml"), stringify(testPolicyInput({ language: "en" })));
  }, 60_000);
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await bot.stop();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => bot.fake.clear());
}

type Payload = { request_id?: string; purpose?: string; seq?: number };
const payloadOf = (args: Record<string, unknown>) => (args.metadata as { event_payload?: Payload } | undefined)?.event_payload;

const publication = (requestId: string) => bot.db.publication.findUnique({ where: { requestId } });
const cardOf = (requestId: string) => bot.db.slackPost.findUnique({ where: { requestId_purpose: { requestId, purpose: "card" } } });

/** Slack shows everything the database holds about the request, and nobody is publishing it any more. */
async function settled(requestId: string): Promise<boolean> {
  const [row, card, last] = await Promise.all([
    publication(requestId),
    cardOf(requestId),
    bot.db.auditEvent.findFirst({ where: { requestId }, orderBy: { seq: "desc" }, select: { seq: true } }),
  ]);
  return Boolean(row && !row.dirty && row.holder === null && row.leaseUntil === null && card && last && card.threadSeq === last.seq);
}

/** Opens a request with the form, submitted to the given process. */
async function openThrough(target: BotProcess, name: string) {
  const client = await createClient(bot.db, { name });
  const request = await bot.openByForm(REQUESTER, client, { kind: "voluntary", reason: "Leaving", requestedOn: "2026-08-09" }, { url: target.url });
  await eventually(() => settled(request.id), "the new request to be shown");
  return { requestId: request.id, card: (await cardOf(request.id))! };
}

/** Every post for the request (cards and thread replies) was posted once. */
function expectNothingPostedTwice(requestId: string): void {
  const keys = bot.fake
    .called("chat.postMessage", (a) => payloadOf(a)?.request_id === requestId)
    .map((a) => (payloadOf(a)!.seq !== undefined ? `seq:${payloadOf(a)!.seq}` : `card:${payloadOf(a)!.purpose}`));
  expect(keys.length).toBeGreaterThan(0);
  expect(keys).toEqual([...new Set(keys)]);
}

/** The card as Slack shows it is what a fresh render of the database gives; the thread holds every reply once, in order. */
async function expectTrueState(requestId: string, card: { channel: string; ts: string }): Promise<void> {
  const view = await loadRequestView(bot.db, requestId, new Date());
  const fresh = requestCard(view!, bot.slack.deps.publisher.channelContext());
  expect(bot.fake.messages.get(`${card.channel}:${card.ts}`)?.blocks).toEqual(fresh.blocks);
  const seqs = bot.fake.thread(card.channel, card.ts).slice(1).map(({ message }) => payloadOf(message)?.seq);
  expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => Number(a) - Number(b)));
}

/** The victim's lease runs out (a minute passes). */
async function leasePasses(requestId: string): Promise<void> {
  await bot.db.$executeRaw`UPDATE "Publication" SET "leaseUntil" = now() - interval '1 second' WHERE "requestId" = ${requestId}::uuid AND "holder" IS NOT NULL`;
}

describeOnPostgres("a bot process killed while Slack holds its call", () => {
  it("held on chat.update of the card: the next process updates the card and posts the reply, once", async () => {
    const victim = await startProcess();
    const { requestId, card } = await openThrough(victim, "Held Update");
    const held = bot.fake.hold("chat.update", (a) => a.ts === card.ts, { done: false });
    await bot.click(REQUESTER, A.tick, JSON.stringify({ r: requestId, c: "phone_call" }), { url: victim.url });
    await held.arrived;
    await victim.kill();
    held.release();

    // Committed, but Slack shows the old card and no reply: the dead process held the publication.
    expect((await bot.db.check.findFirstOrThrow({ where: { requestId, checkId: "phone_call" } })).status).toBe("done");
    expect(await publication(requestId)).toMatchObject({ holder: expect.any(String) as string });
    expect(await settled(requestId)).toBe(false);

    await leasePasses(requestId);
    await startProcess();
    await eventually(() => settled(requestId), "the next process to show the request");
    await expectTrueState(requestId, card);
    expectNothingPostedTwice(requestId);
    const ticked = bot.fake.called("chat.postMessage", (a) => a.thread_ts === card.ts && /ticked \*Phone call\*/.test(String(a.text)));
    expect(ticked).toHaveLength(1);
  }, 60_000);

  it("held on chat.postMessage of a thread reply Slack took: the next process finds it by its metadata and does not post it again", async () => {
    const victim = await startProcess();
    const { requestId, card } = await openThrough(victim, "Held Reply");
    const held = bot.fake.hold("chat.postMessage", (a) => a.thread_ts === card.ts && payloadOf(a)?.seq !== undefined, { done: true });
    await bot.click(REQUESTER, A.tick, JSON.stringify({ r: requestId, c: "phone_call" }), { url: victim.url });
    const reply = await held.arrived;
    await victim.kill();
    held.release();
    expect(String(reply.text)).toMatch(/ticked \*Phone call\*/);
    expect(await settled(requestId)).toBe(false);

    await leasePasses(requestId);
    await startProcess();
    await eventually(() => settled(requestId), "the next process to show the request");
    expectNothingPostedTwice(requestId);
    const ticked = bot.fake.called("chat.postMessage", (a) => a.thread_ts === card.ts && /ticked \*Phone call\*/.test(String(a.text)));
    expect(ticked).toHaveLength(1);
    await expectTrueState(requestId, card);
    expect(bot.fake.called("conversations.replies", (a) => a.ts === card.ts).length).toBeGreaterThan(0);
  }, 60_000);
});
