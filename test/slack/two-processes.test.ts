import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { stringify } from "yaml";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { verifyAudit } from "../../src/db/audit.ts";
import { RESUME_JOB } from "../../src/services/execution.ts";
import { ManualClock } from "../../src/services/clock.ts";
import { openRequest } from "../../src/services/requests.ts";
import { Ids } from "../../src/slack/ids.ts";
import { BotProcess, eventually } from "../support/bot-process.ts";
import { describeOnPostgres, testDatabaseKind } from "../support/db.ts";
import { addInvoice, createClient } from "../support/ledger-data.ts";
import { MANAGER_A, MANAGER_B, REQUESTER, testPolicy, testPolicyInput } from "../support/policy.ts";
import { readable, SIGNING_SECRET, TestBot } from "../support/slack-bot.ts";

// Several bot processes behind a load balancer share one PostgreSQL database:
// exactly-once must come from the database, not from any process's memory.
const onPostgres = testDatabaseKind === "postgres";

const A = Ids.action;
const B = Ids.block;
// The processes run on the wall clock, so this bot's clock is kept on it too:
// publication leases and grace periods are compared across processes, and a
// bot months behind would see every lease as long passed (and race the sweeps).
const bot = new TestBot(testPolicy({ language: "en" }), new ManualClock(new Date()));
let dir = "";
let processes: BotProcess[] = [];

const env = () => ({
  DATABASE_URL: bot.handle.url!,
  SLACK_BOT_TOKEN: "xoxb-test-token",
  SLACK_SIGNING_SECRET: SIGNING_SECRET,
  SLACK_API_URL: bot.fake.apiUrl,
  OFFBOARD_POLICY: "policy.yml",
  SCHEDULER_POLL_MS: "100",
});

if (onPostgres) {
  beforeAll(async () => {
    await bot.start();
    dir = await mkdtemp(join(tmpdir(), "offboard-two-"));
    await writeFile(join(dir, "policy.yml"), stringify(testPolicyInput({ language: "en" })));
    processes = await Promise.all([BotProcess.start(dir, env()), BotProcess.start(dir, env())]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await bot.stop();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    bot.clock.set(new Date());
    bot.fake.clear();
  });
}

/** Spreads requests over the processes, as a load balancer would. */
const via = (i: number) => ({ url: processes[i % processes.length]!.url });
const responded = (ids: string[]) => ids.map((id) => bot.responseTo(id)?.text).filter((t): t is string => Boolean(t));

describeOnPostgres("two bot processes on one database", () => {
  it("20 clicks on Approve by the same approver, split between them: one approval, one audit event, one card update", async () => {
    const client = await createClient(bot.db, { name: "Twin Clicks" });
    const request = await bot.openByForm(REQUESTER, client, { kind: "voluntary", reason: "Closing", requestedOn: "2026-08-09" });
    bot.fake.clear();
    const clicks = await Promise.all(Array.from({ length: 20 }, (_, i) => bot.click(MANAGER_A, A.approve, request.id, via(i))));
    expect(clicks.map((c) => c.status)).toEqual(Array(20).fill(200));
    const ids = clicks.map((c) => c.responseId);
    await eventually(() => responded(ids).length === 19 && bot.fake.called("chat.update").length >= 2, "19 refusals and the card updates");
    await new Promise((r) => setTimeout(r, 300)); // anything else would have arrived by now
    expect(await bot.db.approval.count({ where: { requestId: request.id } })).toBe(1);
    expect(await bot.db.auditEvent.count({ where: { requestId: request.id, action: "request.approved" } })).toBe(1);
    expect(responded(ids)).toEqual(Array(19).fill("Already decided: approved by <@U0MANAGERA>."));
    expect(bot.fake.called("chat.update", (a) => a.channel === "C0REQUESTS")).toHaveLength(1);
    expect(bot.fake.called("chat.update", (a) => a.channel === "C0MANAGERS")).toHaveLength(1);
    expect(bot.fake.called("chat.postMessage", (a) => Boolean(a.thread_ts) && /approved/.test(String(a.text)))).toHaveLength(1);
  });

  it("a form submission sent to both at once (a retry): one request, one card", async () => {
    const client = await createClient(bot.db, { name: "Twin Form" });
    await bot.command(REQUESTER, client.ref);
    const view = { ...bot.lastModal(), id: "VTWINFORM1" };
    const form = {
      [B.kind]: { [A.kind]: { selected_option: { value: "voluntary" } } },
      [B.reason]: { [A.reason]: { value: "Moving away" } },
      [B.requestedOn]: { [A.requestedOn]: { selected_date: "2026-08-09" } },
    };
    const answers = await Promise.all([0, 1, 0, 1].map((i) => bot.submit(REQUESTER, view, form, via(i))));
    expect(answers.map((a) => [a.status, a.answer])).toEqual(Array(4).fill([200, null]));
    await eventually(() => bot.fake.called("chat.postMessage", (a) => a.channel === "C0MANAGERS").length >= 1, "the cards");
    await new Promise((r) => setTimeout(r, 300));
    expect(await bot.db.deactivationRequest.count({ where: { clientId: client.id } })).toBe(1);
    expect(bot.fake.called("chat.postMessage", (a) => a.channel === "C0REQUESTS" && !a.thread_ts)).toHaveLength(1);
    expect(bot.fake.called("chat.postMessage", (a) => a.channel === "C0MANAGERS" && !a.thread_ts)).toHaveLength(1);
  });

  it("Approve on one process racing Reject on the other: one decision, the loser told who decided first", async () => {
    for (let round = 0; round < 4; round++) {
      const client = await createClient(bot.db, { name: `Twin Race ${round}` });
      const request = await bot.openByForm(REQUESTER, client, { kind: "voluntary", reason: "Closing", requestedOn: "2026-08-09" });
      await bot.click(MANAGER_A, A.reject, request.id);
      const rejectForm = bot.lastModal();
      const reason = { [B.rejectReason]: { [A.rejectReason]: { value: "Still paying" } } };
      const [approve, reject] = await Promise.all([bot.click(MANAGER_B, A.approve, request.id, via(round)), bot.submit(MANAGER_A, rejectForm, reason, via(round + 1))]);
      const after = await bot.db.deactivationRequest.findUniqueOrThrow({ where: { id: request.id }, include: { approvals: true } });
      expect(after.approvals).toHaveLength(1);
      if (after.state === "rejected") {
        await eventually(() => Boolean(bot.responseTo(approve.responseId)), "the approver to be told");
        expect(bot.responseTo(approve.responseId)?.text).toBe("Already decided: rejected by <@U0MANAGERA>.");
      } else {
        expect(reject.answer).toEqual({ response_action: "errors", errors: { [B.rejectReason]: "Already decided: approved by @U0MANAGERB." } });
      }
    }
  });

  it("an event retried by Slack to the other process is handled once", async () => {
    const event = { type: "app_home_opened", user: MANAGER_B, tab: "home" };
    const statuses = await Promise.all([0, 1, 0, 1].map((i) => bot.event(event, { eventId: "Ev0TWINS", retryNum: i, ...via(i) })));
    expect(statuses).toEqual([200, 200, 200, 200]);
    await eventually(() => bot.fake.called("views.publish").length >= 1, "App Home");
    await new Promise((r) => setTimeout(r, 500));
    expect(bot.fake.called("views.publish")).toHaveLength(1);
  });

  it("a process killed with SIGKILL in the middle of an execution: on restart it finishes, no done action repeated", async () => {
    const client = await createClient(bot.db, { name: "Killed Midway" });
    await addInvoice(bot.db, client.id, "F-77", 1200n);
    await bot.db.subscription.create({ data: { clientId: client.id, plan: "Fiber 300" } });
    const opened = await openRequest(bot.slack.deps.services, { clientRef: client.ref, kind: "on_hold", requestedBy: REQUESTER, reason: "Company closed" });
    if (!opened.ok) throw new Error(opened.error.code);
    await bot.slack.deps.publisher.publish(opened.request.id);
    const requestId = opened.request.id;
    const heldAt = async () => (await bot.db.invoice.findFirstOrThrow({ where: { clientId: client.id } })).heldAt;

    // Hold the subscriptions' rows: the second action will wait on them, mid-execution.
    const blocker = new pg.Client({ connectionString: bot.handle.url });
    await blocker.connect();
    try {
      await blocker.query("BEGIN");
      await blocker.query(`SELECT 1 FROM "Subscription" WHERE "clientId" = $1 FOR UPDATE`, [client.id]);
      const victim = processes[0]!;
      await bot.click(REQUESTER, A.execute, requestId, { url: victim.url });
      // Asked on another connection: inside the blocker's transaction the statistics would stay as first read.
      await eventually(async () => {
        const [row] = await bot.db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`;
        return row!.n > 0;
      }, "the execution to wait on the subscriptions");
      const firstHold = await heldAt();
      expect(firstHold).not.toBeNull();
      expect(await bot.db.executionStep.findFirst({ where: { requestId, action: "cancel_subscriptions" } })).toMatchObject({ status: "running", attempts: 1 });

      await victim.kill();
      await blocker.query("ROLLBACK");
      expect(await bot.db.deactivationRequest.findUniqueOrThrow({ where: { id: requestId } })).toMatchObject({ state: "executing" });

      // Five minutes pass (the action's lease and the resumption's time), then the process is started again.
      await bot.db.$executeRaw`UPDATE "ExecutionStep" SET "leaseUntil" = now() - interval '1 second' WHERE "requestId" = ${requestId}::uuid AND status = 'running'`;
      await bot.db.$executeRaw`UPDATE "Job" SET "runAt" = now() WHERE "requestId" = ${requestId}::uuid AND kind = ${RESUME_JOB} AND status = 'pending'`;
      processes[0] = await BotProcess.start(dir, env());
      await eventually(async () => (await bot.db.deactivationRequest.findUniqueOrThrow({ where: { id: requestId } })).state === "executed", "the execution to finish");

      const steps = await bot.db.executionStep.findMany({ where: { requestId }, orderBy: { position: "asc" } });
      expect(steps.map((s) => [s.action, s.status, s.attempts])).toEqual([
        ["hold_invoices", "done", 1],
        ["cancel_subscriptions", "done", 2],
        ["inactivate_client", "done", 1],
      ]);
      expect(await heldAt()).toEqual(firstHold); // held once, by the process that died
      expect(await bot.db.subscription.findFirstOrThrow({ where: { clientId: client.id } })).toMatchObject({ status: "cancelled" });
      expect(await bot.db.client.findUniqueOrThrow({ where: { id: client.id } })).toMatchObject({ status: "inactive" });
      expect(await bot.db.auditEvent.count({ where: { requestId, action: "execution.action_done" } })).toBe(3);
      expect(await bot.db.auditEvent.count({ where: { requestId, action: "execution.resumed" } })).toBe(1);
      expect(await verifyAudit(bot.db)).toMatchObject({ ok: true });
      await eventually(() => bot.fake.called("chat.postMessage", (a) => /resumed it where it stopped/.test(String(a.text))).length === 1, "the thread to say so");
      await eventually(() => /Inactivated by/.test(readable(bot.fake.called("chat.update", (a) => a.channel === "C0REQUESTS").at(-1)?.blocks)), "the card to say so");
    } finally {
      await blocker.end();
    }
  }, 60_000);
});
