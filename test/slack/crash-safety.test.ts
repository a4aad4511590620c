import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ActionContext, ActionOutcome, SystemOfRecord } from "../../src/connectors/system-of-record.ts";
import { Ledger } from "../../src/connectors/ledger.ts";
import { verifyAudit } from "../../src/db/audit.ts";
import { ACTION_LEASE_MS, executeRequest, RESUME_JOB } from "../../src/services/execution.ts";
import { openRequest } from "../../src/services/requests.ts";
import { addInvoice, createClient } from "../support/ledger-data.ts";
import { REQUESTER, testPolicy } from "../support/policy.ts";
import { readable, TestBot } from "../support/slack-bot.ts";

/** The ledger, counting the calls it gets; an action can be made to hang, as in a process that is about to die. */
class Recording extends Ledger {
  calls: { action: string; key: string }[] = [];
  hangOn: string | null = null;
  release: (() => void) | null = null;
  /** Run before an action (to move the clock while a process is slow). */
  before: ((action: string) => void) | null = null;

  private async record(action: string, context: ActionContext, run: () => Promise<ActionOutcome>): Promise<ActionOutcome> {
    this.calls.push({ action, key: context.idempotencyKey });
    this.before?.(action);
    if (this.hangOn === action) await new Promise<void>((resolve) => (this.release = resolve));
    return run();
  }
  override holdInvoices(ref: string, context: ActionContext) {
    return this.record("hold_invoices", context, () => super.holdInvoices(ref, context));
  }
  override cancelSubscriptions(ref: string, context: ActionContext) {
    return this.record("cancel_subscriptions", context, () => super.cancelSubscriptions(ref, context));
  }
  override inactivateClient(ref: string, context: ActionContext) {
    return this.record("inactivate_client", context, () => super.inactivateClient(ref, context));
  }
}

let ledger!: Recording;
const bot = new TestBot(testPolicy({ language: "en" }), undefined, (db): SystemOfRecord => (ledger = new Recording(db)));
beforeAll(() => bot.start());
afterAll(() => bot.stop());
beforeEach(() => {
  bot.fake.clear();
  ledger.calls = [];
  ledger.hangOn = null;
  ledger.before = null;
});

/** A ready request of the kind that holds invoices, cancels subscriptions, then inactivates (seed 003), shown in Slack. */
async function readyRequest(name: string) {
  const client = await createClient(bot.db, { name });
  await addInvoice(bot.db, client.id, "F-1", 900n);
  await bot.db.subscription.create({ data: { clientId: client.id, plan: "Pro" } });
  const opened = await openRequest(bot.slack.deps.services, { clientRef: client.ref, kind: "on_hold", requestedBy: REQUESTER, reason: "Closing the company" });
  if (!opened.ok) throw new Error(opened.error.code);
  await bot.slack.deps.publisher.publish(opened.request.id);
  bot.fake.clear();
  return { client, requestId: opened.request.id };
}

async function until(condition: () => Promise<boolean>) {
  for (let i = 0; i < 200; i++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("timed out waiting");
}

const stepStatus = async (requestId: string, action: string) =>
  (await bot.db.executionStep.findFirst({ where: { requestId, action } }))?.status;

describe("an execution interrupted half-way (the process dies)", () => {
  it("is finished by the resumption job after the lease, without repeating what was done", async () => {
    const { client, requestId } = await readyRequest("Halfway Ltd");
    ledger.hangOn = "cancel_subscriptions";
    // The process that started it: it never comes back from the second action.
    void executeRequest(bot.slack.deps.services, requestId, REQUESTER);
    await until(async () => (await stepStatus(requestId, "cancel_subscriptions")) === "running");
    expect(await bot.db.deactivationRequest.findUniqueOrThrow({ where: { id: requestId } })).toMatchObject({ state: "executing" });
    expect(await bot.db.job.count({ where: { requestId, kind: RESUME_JOB, status: "pending" } })).toBe(1);

    ledger.hangOn = null;
    // Before the lease runs out nothing happens: the process may only be slow.
    bot.clock.advance(ACTION_LEASE_MS - 60_000);
    await bot.runDueJobs();
    expect(ledger.calls.map((c) => c.action)).toEqual(["hold_invoices", "cancel_subscriptions"]);

    bot.clock.advance(60_000);
    await bot.runDueJobs();
    // The action in flight is sent again with the same idempotency key; the one done is not.
    expect(ledger.calls.map((c) => c.action)).toEqual(["hold_invoices", "cancel_subscriptions", "cancel_subscriptions", "inactivate_client"]);
    expect(ledger.calls[1]!.key).toBe(ledger.calls[2]!.key);
    const request = await bot.db.deactivationRequest.findUniqueOrThrow({ where: { id: requestId } });
    expect(request).toMatchObject({ state: "executed", executedBy: REQUESTER });
    expect(await bot.db.client.findUniqueOrThrow({ where: { id: client.id } })).toMatchObject({ status: "inactive" });
    const steps = await bot.db.executionStep.findMany({ where: { requestId }, orderBy: { position: "asc" } });
    expect(steps.map((s) => [s.action, s.status, s.attempts])).toEqual([
      ["hold_invoices", "done", 1],
      ["cancel_subscriptions", "done", 2],
      ["inactivate_client", "done", 1],
    ]);
    const events = await bot.db.auditEvent.findMany({ where: { requestId }, orderBy: { seq: "asc" } });
    expect(events.filter((e) => e.action === "execution.action_done")).toHaveLength(3);
    expect(events.filter((e) => e.action === "execution.resumed")).toMatchObject([{ actor: "system", data: { for: REQUESTER } }]);
    expect(await verifyAudit(bot.db)).toMatchObject({ ok: true });

    // People see it: the thread says it was resumed, the card says it is done.
    const thread = bot.fake.called("chat.postMessage", (a) => Boolean(a.thread_ts)).map((a) => String(a.text));
    expect(thread).toContain(`The execution <@${REQUESTER}> started was interrupted; Offboard resumed it where it stopped (actions already done are not repeated).`);
    expect(readable(bot.fake.called("chat.update", (a) => a.channel === "C0REQUESTS").at(-1)!.blocks)).toMatch(/Inactivated by <@U0REQUESTER>/);
    expect(await bot.db.job.count({ where: { requestId, kind: RESUME_JOB, status: "pending" } })).toBe(0);
  });

  it("a process that is only slow keeps its action: the resumption waits for its lease, and nothing runs twice", async () => {
    const { requestId } = await readyRequest("Slowpoke SA");
    // The first action takes four minutes; the second starts then, and takes a long time.
    ledger.before = (action) => {
      if (action === "hold_invoices") bot.clock.advance(4 * 60_000);
    };
    ledger.hangOn = "cancel_subscriptions";
    const running = executeRequest(bot.slack.deps.services, requestId, REQUESTER);
    await until(async () => (await stepStatus(requestId, "cancel_subscriptions")) === "running");

    bot.clock.advance(ACTION_LEASE_MS - 4 * 60_000); // the resumption job's time: the action's lease still runs
    await bot.runDueJobs();
    expect(ledger.calls.map((c) => c.action)).toEqual(["hold_invoices", "cancel_subscriptions"]);
    expect(await bot.db.job.count({ where: { requestId, kind: RESUME_JOB, status: "pending" } })).toBe(1); // asked again later

    ledger.release!();
    expect(await running).toMatchObject({ ok: true });
    bot.clock.advance(ACTION_LEASE_MS);
    await bot.runDueJobs();
    expect(ledger.calls.map((c) => c.action)).toEqual(["hold_invoices", "cancel_subscriptions", "inactivate_client"]);
    expect(await bot.db.job.count({ where: { requestId, kind: RESUME_JOB, status: "pending" } })).toBe(0);
    expect(await bot.db.auditEvent.count({ where: { requestId, action: "execution.resumed" } })).toBe(0);
  });
});
