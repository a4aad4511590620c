import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../src/domain/errors.ts";
import {
  approvalApplies,
  approvalsGiven,
  approve,
  completeExecution,
  decisionRefusal,
  LIVE_STATES,
  missingForDeletion,
  failExecution,
  missingForExecution,
  openRequest,
  planReactivation,
  type ReactivationFacts,
  recordAutomaticResults,
  reject,
  startExecution,
  tickCheck,
  untickCheck,
  withdraw,
  type Actor,
  type DeactivationRequest,
  type OpenRequestInput,
} from "../../src/domain/request.ts";
import { MANAGER_A, MANAGER_B, REQUESTER, STRANGER, testPolicy } from "../support/policy.ts";

const T0 = new Date("2026-08-09T14:00:00.000Z");
const T1 = new Date("2026-08-09T15:00:00.000Z");
const requester: Actor = { userId: REQUESTER, isApprover: false };
const managerA: Actor = { userId: MANAGER_A, isApprover: true };
const managerB: Actor = { userId: MANAGER_B, isApprover: true };
const stranger: Actor = { userId: STRANGER, isApprover: false };

const baseInput: OpenRequestInput = {
  client: { id: "client-1", status: "active", hostedDatabase: false },
  kind: "voluntary",
  requestedBy: REQUESTER,
  reason: "Moving to another provider",
  thirdPartyInvolved: false,
};

function opened(input: Partial<OpenRequestInput> = {}, policy = testPolicy()): DeactivationRequest {
  const result = openRequest({ ...baseInput, ...input }, policy, T0);
  if (!result.ok) throw new Error(result.error.code);
  return { ...result.request, id: "req-1", version: 0 };
}

function must<T extends { ok: boolean }>(result: T): Extract<T, { ok: true }> {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result)}`);
  return result as Extract<T, { ok: true }>;
}

/** A voluntary request with every manual check ticked and charges cleared: only approval missing. */
function awaitingApproval(policy = testPolicy()): DeactivationRequest {
  let r = opened({}, policy);
  r = must(tickCheck(r, "written_request", requester, "https://mail.example/123", T1)).request;
  r = must(tickCheck(r, "phone_call", requester, null, T1)).request;
  r = must(recordAutomaticResults(r, { no_pending_charges: { passed: true, detail: { count: 0 } } }, T1)).request;
  return r;
}

describe("openRequest: which checks apply", () => {
  it.each([
    { thirdParty: false, hosted: false, expected: ["written_request", "phone_call", "courtesy_note", "no_pending_charges", "management_approval"] },
    { thirdParty: true, hosted: false, expected: ["written_request", "phone_call", "third_party", "courtesy_note", "no_pending_charges", "management_approval"] },
    { thirdParty: false, hosted: true, expected: ["written_request", "phone_call", "db_handover", "courtesy_note", "no_pending_charges", "management_approval"] },
    { thirdParty: true, hosted: true, expected: ["written_request", "phone_call", "third_party", "db_handover", "courtesy_note", "no_pending_charges", "management_approval"] },
  ])("third party $thirdParty, hosted database $hosted", ({ thirdParty, hosted, expected }) => {
    const r = opened({ thirdPartyInvolved: thirdParty, client: { id: "c", status: "active", hostedDatabase: hosted } });
    expect(r.snapshot.checks.map((c) => c.id)).toEqual(expected);
    expect(r.checks.map((c) => c.checkId)).toEqual(expected);
    expect(r.checks.every((c) => c.status === "pending")).toBe(true);
    expect(r.state).toBe("open");
  });

  it("the requested date defaults to today in the policy's time zone, not UTC's", () => {
    // 02:00 UTC on the 10th is still the 9th in Montevideo (UTC-3).
    const result = openRequest(baseInput, testPolicy(), new Date("2026-08-10T02:00:00Z"));
    expect(result).toMatchObject({ ok: true, request: { requestedOn: "2026-08-09" } });
    expect(openRequest({ ...baseInput, requestedOn: "2026-08-10" }, testPolicy(), new Date("2026-08-10T02:00:00Z"))).toMatchObject({ ok: false });
    expect(openRequest({ ...baseInput, requestedOn: "2026-08-01" }, testPolicy(), T0)).toMatchObject({ ok: true, request: { requestedOn: "2026-08-01" } });
  });

  it("a kind with no checks is ready at once (seed 004's plain toggle)", () => {
    const r = opened({ kind: "toggle" });
    expect(r.state).toBe("ready");
    expect(missingForExecution(r)).toEqual([]);
  });

  it.each([
    { name: "unknown kind", input: { kind: "nope" }, code: ErrorCode.KindUnknown },
    { name: "blank reason", input: { reason: "   " }, code: ErrorCode.ReasonRequired },
    { name: "reason too long", input: { reason: "x".repeat(1001) }, code: ErrorCode.FieldTooLong },
    { name: "notes too long", input: { notes: "x".repeat(3001) }, code: ErrorCode.FieldTooLong },
    { name: "requested date in the future (local time)", input: { requestedOn: "2026-08-10" }, code: ErrorCode.RequestedOnInvalid },
    { name: "requested date not a date", input: { requestedOn: "2026-02-30" }, code: ErrorCode.RequestedOnInvalid },
    { name: "client already inactive", input: { client: { id: "c", status: "inactive" as const, hostedDatabase: false } }, code: ErrorCode.ClientAlreadyInactive },
  ])("refuses: $name", ({ input, code }) => {
    const result = openRequest({ ...baseInput, ...input }, testPolicy(), T0);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe(code);
  });

  it("snapshots the policy so later edits are not retroactive", () => {
    const policy = testPolicy();
    const r = opened({}, policy);
    policy.kinds.voluntary!.checks.push({ id: "late", label: "Late", type: "manual", evidence: "none", required: true });
    expect(r.snapshot.checks.map((c) => c.id)).not.toContain("late");
  });

  it("records the audit event with the checks that applied and those skipped", () => {
    const result = must(openRequest(baseInput, testPolicy(), T0));
    expect(result.events).toEqual([
      {
        action: "request.opened",
        data: expect.objectContaining({ skippedChecks: ["third_party", "db_handover"], facts: { thirdParty: false, hostedDatabase: false } }),
      },
    ]);
  });
});

describe("tickCheck and untickCheck", () => {
  it.each([
    { name: "evidence required and given", checkId: "written_request", evidence: "https://mail/1", ok: true },
    { name: "evidence required, missing", checkId: "written_request", evidence: null, code: ErrorCode.EvidenceRequired },
    { name: "evidence required, blank", checkId: "written_request", evidence: "  ", code: ErrorCode.EvidenceRequired },
    { name: "evidence none, given", checkId: "phone_call", evidence: "a note", code: ErrorCode.EvidenceNotAccepted },
    { name: "evidence none, absent", checkId: "phone_call", evidence: null, ok: true },
    { name: "evidence optional, absent", checkId: "courtesy_note", evidence: null, ok: true },
    { name: "evidence too long", checkId: "written_request", evidence: "x".repeat(2001), code: ErrorCode.FieldTooLong },
    { name: "automatic check", checkId: "no_pending_charges", evidence: null, code: ErrorCode.CheckAutomatic },
    { name: "check that did not apply", checkId: "third_party", evidence: null, code: ErrorCode.CheckUnknown },
  ])("$name", ({ checkId, evidence, ok, code }) => {
    const result = tickCheck(opened(), checkId, requester, evidence, T1);
    if (ok) {
      const { request, events } = must(result);
      const state = request.checks.find((c) => c.checkId === checkId)!;
      expect(state).toMatchObject({ status: "done", tickedBy: REQUESTER, tickedAt: T1 });
      expect(request.version).toBe(1);
      expect(events[0]).toEqual({ action: "check.ticked", data: { checkId, evidence: evidence?.trim() || null } });
    } else {
      expect(result).toMatchObject({ ok: false, error: { code } });
    }
  });

  it("refuses a second tick and names who ticked first", () => {
    const once = must(tickCheck(opened(), "phone_call", requester, null, T1)).request;
    expect(tickCheck(once, "phone_call", stranger, null, T1)).toMatchObject({
      ok: false,
      error: { code: ErrorCode.CheckAlreadyTicked, details: { by: REQUESTER } },
    });
  });

  it("unticking a ready request reopens it", () => {
    const ready = must(approve(awaitingApproval(), managerA, T1)).request;
    expect(ready.state).toBe("ready");
    const { request, events } = must(untickCheck(ready, "phone_call", requester, T1));
    expect(request.state).toBe("open");
    expect(events.map((e) => e.action)).toEqual(["check.unticked", "request.reopened"]);
    expect(untickCheck(request, "phone_call", requester, T1)).toMatchObject({ error: { code: ErrorCode.CheckNotTicked } });
  });
});

describe("automatic checks", () => {
  it("records pass and failure with their detail, and only changes produce events", () => {
    const failedDetail = { count: 2, invoices: ["F-1001", "F-1002"] };
    const failed = must(recordAutomaticResults(opened(), { no_pending_charges: { passed: false, detail: failedDetail } }, T1));
    expect(failed.request.checks.find((c) => c.checkId === "no_pending_charges")).toMatchObject({ status: "failed", detail: failedDetail });
    expect(missingForExecution(failed.request)).toContainEqual({ type: "check", checkId: "no_pending_charges", problem: "failed" });
    const same = must(recordAutomaticResults(failed.request, { no_pending_charges: { passed: false, detail: failedDetail } }, T1));
    expect(same.events).toEqual([]);
    expect(same.request).toBe(failed.request);
  });

  it("a check not evaluated yet is reported as such", () => {
    expect(missingForExecution(opened())).toContainEqual({ type: "check", checkId: "no_pending_charges", problem: "not_evaluated" });
  });
});

describe("approve and reject", () => {
  it.each([
    { name: "an approver", actor: managerA, ok: true },
    { name: "a non-approver", actor: stranger, code: ErrorCode.NotApprover },
    { name: "the requester, though an approver", actor: { userId: REQUESTER, isApprover: true }, code: ErrorCode.SelfApproval },
  ])("approval by $name", ({ actor, ok, code }) => {
    const result = approve(awaitingApproval(), actor, T1);
    if (ok) expect(must(result).request.state).toBe("ready");
    else expect(result).toMatchObject({ ok: false, error: { code } });
  });

  it("self-approval is allowed when the policy says so", () => {
    const policy = testPolicy({ allowSelfApproval: true });
    expect(must(approve(awaitingApproval(policy), { userId: REQUESTER, isApprover: true }, T1)).request.state).toBe("ready");
  });

  it("two required approvals must come from two distinct approvers", () => {
    const policy = testPolicy({ required: 2 });
    const first = must(approve(awaitingApproval(policy), managerA, T1)).request;
    expect(first.state).toBe("open");
    expect(missingForExecution(first)).toEqual([{ type: "approvals", have: 1, need: 2 }]);
    expect(approve(first, managerA, T1)).toMatchObject({ error: { code: ErrorCode.AlreadyDecided, details: { decision: "approve", by: [MANAGER_A] } } });
    const second = must(approve(first, managerB, T1));
    expect(second.request.state).toBe("ready");
    expect(second.request.checks.find((c) => c.checkId === "management_approval")).toMatchObject({ status: "done", detail: { approvers: [MANAGER_A, MANAGER_B] } });
  });

  it("once decided, the other approver is told who decided first", () => {
    const approved = must(approve(awaitingApproval(), managerA, T1)).request;
    expect(reject(approved, managerB, "too late", T1)).toMatchObject({
      ok: false,
      error: { code: ErrorCode.AlreadyDecided, details: { decision: "approve", by: [MANAGER_A] } },
    });
  });

  it("rejection needs a reason and closes the request", () => {
    expect(reject(awaitingApproval(), managerA, "  ", T1)).toMatchObject({ error: { code: ErrorCode.RejectReasonRequired } });
    const { request } = must(reject(awaitingApproval(), managerA, "Client still owes us", T1));
    expect(request).toMatchObject({ state: "rejected", closedBy: MANAGER_A, closeReason: "Client still owes us" });
    expect(approve(request, managerB, T1)).toMatchObject({ error: { code: "APPROVAL.ALREADY_DECIDED", details: { decision: "reject", by: [MANAGER_A] } } });
  });

  it("a kind without a management approval check takes no approvals", () => {
    expect(approve(opened({ kind: "toggle" }), managerA, T1)).toMatchObject({ error: { code: ErrorCode.ApprovalNotApplicable } });
  });
});

describe("withdraw", () => {
  it.each([
    { name: "requester", actor: requester, ok: true },
    { name: "approver", actor: managerA, ok: true },
    { name: "someone else", actor: stranger, ok: false },
  ])("by the $name", ({ actor, ok }) => {
    const result = withdraw(opened(), actor, "client changed their mind", T1);
    if (ok) expect(must(result).request).toMatchObject({ state: "withdrawn", closedBy: actor.userId });
    else expect(result).toMatchObject({ error: { code: ErrorCode.NotAllowedToWithdraw } });
  });
});

describe("execution", () => {
  it("refuses while anything is missing, listing all of it", () => {
    const result = startExecution(opened(), requester, T1);
    expect(result).toMatchObject({ ok: false, error: { code: ErrorCode.RequestNotReady } });
    if (!result.ok && result.error.code === ErrorCode.RequestNotReady) {
      expect(result.error.details?.missing).toEqual([
        { type: "check", checkId: "written_request", problem: "not_ticked" },
        { type: "check", checkId: "phone_call", problem: "not_ticked" },
        { type: "check", checkId: "no_pending_charges", problem: "not_evaluated" },
        { type: "approvals", have: 0, need: 1 },
      ]);
    }
  });

  it("an optional check does not gate execution", () => {
    const ready = must(approve(awaitingApproval(), managerA, T1)).request;
    expect(ready.checks.find((c) => c.checkId === "courtesy_note")!.status).toBe("pending");
    expect(missingForExecution(ready)).toEqual([]);
  });

  it("runs the policy's actions in order, then completes", () => {
    const ready = must(approve(awaitingApproval(), managerA, T1)).request;
    const started = must(startExecution(ready, requester, T1));
    expect(started.actions).toEqual(["hold_invoices", "inactivate_client"]);
    expect(started.request.state).toBe("executing");
    expect(tickCheck(started.request, "courtesy_note", requester, null, T1)).toMatchObject({ error: { code: ErrorCode.ExecutionInProgress } });
    expect(startExecution(started.request, requester, T1)).toMatchObject({ error: { code: ErrorCode.ExecutionInProgress } });
    const done = must(completeExecution(started.request, requester, T1)).request;
    expect(done).toMatchObject({ state: "executed", executedBy: REQUESTER, executedAt: T1 });
    expect(withdraw(done, requester, null, T1)).toMatchObject({ error: { code: ErrorCode.RequestClosed } });
  });

  it("a failed action returns the request to ready for a retry", () => {
    const ready = must(approve(awaitingApproval(), managerA, T1)).request;
    const started = must(startExecution(ready, requester, T1)).request;
    const failed = must(failExecution(started, "inactivate_client", "ledger unavailable", T1));
    expect(failed.request.state).toBe("ready");
    expect(failed.events[0]).toEqual({ action: "execution.failed", data: { failedAction: "inactivate_client", error: "ledger unavailable" } });
  });
});

describe("planReactivation", () => {
  const TZ = "America/Montevideo";
  const executed = (kind: string, change: (s: DeactivationRequest["snapshot"]) => DeactivationRequest["snapshot"] = (s) => s) => {
    const request = opened({ kind });
    return { id: "req-9", snapshot: change(request.snapshot), requestedAt: new Date("2026-08-09T15:00:00Z"), requestedOn: "2026-08-09" };
  };
  const facts = (over: Partial<ReactivationFacts> = {}): ReactivationFacts => ({ status: "inactive", dataDeletedAt: null, unpaid: [], ...over });
  // Seed 002: service to 31 Aug, data deleted on 30 Sep, reactivable "antes del 30 de Setiembre" (to the 29th).
  const beforeDeletion = (s: DeactivationRequest["snapshot"]) => ({
    ...s,
    calendar: { ...s.calendar, notice: { cutoffDay: 10 }, serviceEnds: { type: "end_of_month" as const }, dataDeletion: { type: "end_of_following_month" as const }, reactivableUntil: { type: "before_deletion" as const } },
  });
  const paidFirst = (s: DeactivationRequest["snapshot"]) => ({ ...s, reactivation: { allowed: true, requiresPaid: true, restart: { monthsInAdvance: 3 } } });

  it.each([
    { name: "an active client", client: facts({ status: "active" }), last: null, at: "2026-09-10T12:00:00Z", code: ErrorCode.ClientAlreadyActive },
    { name: "a kind that forbids it", client: facts(), last: executed("final"), at: "2026-09-10T12:00:00Z", code: ErrorCode.ReactivationNotAllowed },
    { name: "after the data was deleted: only a new start", client: facts({ dataDeletedAt: new Date("2026-10-01T03:00:00Z"), unpaid: [{ number: "F-1" }] }), last: executed("toggle", paidFirst), at: "2026-10-02T12:00:00Z", code: ErrorCode.ReactivationRestartRequired, details: { unpaid: ["F-1"], monthsInAdvance: 3 } },
    { name: "on the deletion day (30 Sep 2026, 00:00 local)", client: facts(), last: executed("toggle", beforeDeletion), at: "2026-09-30T03:00:00Z", code: ErrorCode.ReactivationWindowClosed, details: { until: "2026-09-29" } },
    { name: "unpaid invoices when the kind requires them paid", client: facts({ unpaid: [{ number: "F-2" }] }), last: executed("toggle", paidFirst), at: "2026-09-10T12:00:00Z", code: ErrorCode.ReactivationUnpaid, details: { unpaid: ["F-2"] } },
  ])("refuses $name", ({ client, last, at, code, details }) => {
    expect(planReactivation(client, last, new Date(at), TZ)).toMatchObject({ ok: false, error: { code, ...(details ? { details } : {}) } });
  });

  it.each([
    { name: "the last minute of the window (29 Sep 23:59 local)", last: executed("toggle", beforeDeletion), at: "2026-09-30T02:59:00Z", client: facts() },
    { name: "paid up, when the kind requires it", last: executed("toggle", paidFirst), at: "2026-09-10T12:00:00Z", client: facts() },
    { name: "unpaid invoices, when the kind does not care", last: executed("toggle"), at: "2026-09-10T12:00:00Z", client: facts({ unpaid: [{ number: "F-3" }] }) },
  ])("allows $name", ({ client, last, at }) => {
    expect(planReactivation(client, last, new Date(at), TZ)).toMatchObject({ ok: true });
  });

  it("says what stays on hold or cancelled (seed 003)", () => {
    const at = new Date("2026-09-10T12:00:00Z");
    expect(must(planReactivation(facts(), executed("voluntary"), at, TZ)).unchanged).toEqual({ invoicesOnHold: true, subscriptionsCancelled: false });
    expect(must(planReactivation(facts(), executed("toggle"), at, TZ)).unchanged).toEqual({ invoicesOnHold: false, subscriptionsCancelled: false });
  });
});

// ---------------------------------------------------------------- the rules, case by case

const T2 = new Date("2026-08-09T16:00:00.000Z");
const approverStranger: Actor = { userId: STRANGER, isApprover: true };

/** The voluntary request in another state, as the database would hand it back. */
const inState = (state: DeactivationRequest["state"], request = opened()): DeactivationRequest => ({ ...request, state });

/** A request of a kind whose data deletion waits for the courtesy note (seed 002's backup). */
function waitingForDeletion(request = opened()): DeactivationRequest {
  return { ...request, snapshot: { ...request.snapshot, calendar: { ...request.snapshot.calendar, deletionWaitsFor: ["courtesy_note"] } } };
}

describe("openRequest: what it records", () => {
  it("a kind without checks: the whole request, ready at once, and its audit event", () => {
    const result = openRequest({ ...baseInput, kind: "toggle", reason: "  Closing the account  ", askedBy: "  Ana  ", confirmation: " ", notes: null }, testPolicy(), T0);
    expect(result).toEqual({
      ok: true,
      request: {
        clientId: "client-1",
        kind: "toggle",
        state: "ready",
        requestedBy: REQUESTER,
        requestedAt: T0,
        requestedOn: "2026-08-09",
        reason: "Closing the account",
        askedBy: "Ana",
        confirmation: null,
        notes: null,
        thirdPartyInvolved: false,
        snapshot: {
          kind: "toggle",
          label: "Plain toggle",
          checks: [],
          actions: ["inactivate_client"],
          approvals: { required: 1, allowSelfApproval: false },
          reactivation: { allowed: true },
          calendar: { serviceEnds: { type: "immediately" }, dataDeletion: { type: "never" }, reactivableUntil: { type: "always" } },
          dunning: [],
          onEquipmentOut: "block",
        },
        checks: [],
        approvals: [],
        closedAt: null,
        closedBy: null,
        closeReason: null,
        executedAt: null,
        executedBy: null,
      },
      events: [{ action: "request.opened", data: { kind: "toggle", reason: "Closing the account", checks: [], skippedChecks: [], facts: { thirdParty: false, hostedDatabase: false } } }],
    });
  });

  it("snapshots the approval rule and the kind's collections exception", () => {
    const policy = testPolicy({ required: 2, allowSelfApproval: true });
    policy.kinds.toggle!.collectionsUnless = "credit_notes";
    const r = opened({ kind: "toggle" }, policy);
    expect(r.snapshot).toMatchObject({ approvals: { required: 2, allowSelfApproval: true }, collectionsUnless: "credit_notes" });
    expect(opened({ kind: "toggle" }).snapshot).not.toHaveProperty("collectionsUnless");
  });

  it("the audit event lists the checks that applied, those skipped, and the facts that decided", () => {
    const result = must(openRequest({ ...baseInput, reason: " Moving ", thirdPartyInvolved: true }, testPolicy(), T0));
    expect(result.events).toEqual([
      {
        action: "request.opened",
        data: {
          kind: "voluntary",
          reason: "Moving",
          checks: ["written_request", "phone_call", "third_party", "courtesy_note", "no_pending_charges", "management_approval"],
          skippedChecks: ["db_handover"],
          facts: { thirdParty: true, hostedDatabase: false },
        },
      },
    ]);
  });

  it("a request whose stored checks lack one of its snapshot's checks is refused loudly, not guessed", () => {
    const base = opened();
    const broken = { ...base, checks: base.checks.filter((c) => c.checkId !== "phone_call") };
    expect(() => tickCheck(broken, "phone_call", requester, null, T1)).toThrow("request has no state for check phone_call");
  });

  it("every check that applies starts pending, with nothing recorded", () => {
    expect(opened().checks[0]).toEqual({ checkId: "written_request", status: "pending", tickedBy: null, tickedAt: null, evidence: null, detail: null, checkedAt: null });
  });

  it.each([
    { field: "reason", max: 1000 },
    { field: "askedBy", max: 200 },
    { field: "confirmation", max: 1000 },
    { field: "notes", max: 3000 },
  ])("$field: $max characters are accepted, one more is not", ({ field, max }) => {
    const at = openRequest({ ...baseInput, [field]: ` ${"x".repeat(max)} ` }, testPolicy(), T0);
    expect(at).toMatchObject({ ok: true, request: { [field]: "x".repeat(max) } });
    const over = openRequest({ ...baseInput, [field]: "x".repeat(max + 1) }, testPolicy(), T0);
    expect(over).toEqual({ ok: false, error: { code: ErrorCode.FieldTooLong, details: { field, max } } });
  });

  it.each([
    { name: "unknown kind", input: { kind: "nope" }, error: { code: ErrorCode.KindUnknown, details: { kind: "nope", known: ["voluntary", "toggle", "on_hold", "final"] } } },
    { name: "client already inactive", input: { client: { id: "c", status: "inactive" as const, hostedDatabase: false } }, error: { code: ErrorCode.ClientAlreadyInactive } },
    { name: "empty reason", input: { reason: "" }, error: { code: ErrorCode.ReasonRequired } },
    { name: "a month, not a day", input: { requestedOn: "2026-08" }, error: { code: ErrorCode.RequestedOnInvalid, details: { requestedOn: "2026-08", today: "2026-08-09" } } },
    { name: "tomorrow", input: { requestedOn: "2026-08-10" }, error: { code: ErrorCode.RequestedOnInvalid, details: { requestedOn: "2026-08-10", today: "2026-08-09" } } },
  ])("refuses $name, saying why", ({ input, error }) => {
    expect(openRequest({ ...baseInput, ...input }, testPolicy(), T0)).toEqual({ ok: false, error });
  });

  it("today is a valid requested date", () => {
    expect(openRequest({ ...baseInput, requestedOn: "2026-08-09" }, testPolicy(), T0)).toMatchObject({ ok: true, request: { requestedOn: "2026-08-09" } });
  });
});

describe("tickCheck and untickCheck: details", () => {
  it("keeps the evidence trimmed, and says so in the event", () => {
    const { request, events } = must(tickCheck(opened(), "written_request", requester, "  https://mail/1 \n", T1));
    expect(request.checks.find((c) => c.checkId === "written_request")).toEqual({
      checkId: "written_request",
      status: "done",
      tickedBy: REQUESTER,
      tickedAt: T1,
      evidence: "https://mail/1",
      detail: null,
      checkedAt: null,
    });
    expect(events).toEqual([{ action: "check.ticked", data: { checkId: "written_request", evidence: "https://mail/1" } }]);
  });

  it.each([
    { name: "2000 characters", evidence: "x".repeat(2000), ok: true },
    { name: "2001 characters", evidence: "x".repeat(2001), ok: false },
  ])("evidence of $name", ({ evidence, ok }) => {
    const result = tickCheck(opened(), "written_request", requester, evidence, T1);
    if (ok) expect(result).toMatchObject({ ok: true });
    else expect(result).toEqual({ ok: false, error: { code: ErrorCode.FieldTooLong, details: { field: "evidence", max: 2000 } } });
  });

  it.each([
    { name: "evidence required", checkId: "written_request", evidence: null, error: { code: ErrorCode.EvidenceRequired, details: { checkId: "written_request" } } },
    { name: "no evidence taken", checkId: "phone_call", evidence: "x", error: { code: ErrorCode.EvidenceNotAccepted, details: { checkId: "phone_call" } } },
    { name: "automatic", checkId: "no_pending_charges", evidence: null, error: { code: ErrorCode.CheckAutomatic, details: { checkId: "no_pending_charges" } } },
    { name: "unknown", checkId: "nope", evidence: null, error: { code: ErrorCode.CheckUnknown, details: { checkId: "nope" } } },
  ])("refuses: $name, naming the check", ({ checkId, evidence, error }) => {
    expect(tickCheck(opened(), checkId, requester, evidence, T1)).toEqual({ ok: false, error });
  });

  it("a second tick names who ticked first, and when", () => {
    const once = must(tickCheck(opened(), "phone_call", requester, null, T1)).request;
    expect(tickCheck(once, "phone_call", stranger, null, T2)).toEqual({ ok: false, error: { code: ErrorCode.CheckAlreadyTicked, details: { checkId: "phone_call", by: REQUESTER, at: T1 } } });
  });

  it("unticking clears the tick and keeps what it was in the event", () => {
    const ticked = must(tickCheck(opened(), "written_request", requester, "https://mail/1", T1)).request;
    const { request, events } = must(untickCheck(ticked, "written_request", managerA, T2));
    expect(request.checks.find((c) => c.checkId === "written_request")).toEqual(opened().checks.find((c) => c.checkId === "written_request"));
    expect(request.version).toBe(2);
    expect(events).toEqual([{ action: "check.unticked", data: { checkId: "written_request", previouslyTickedBy: REQUESTER, previousEvidence: "https://mail/1", by: MANAGER_A } }]);
    expect(untickCheck(request, "written_request", requester, T2)).toEqual({ ok: false, error: { code: ErrorCode.CheckNotTicked, details: { checkId: "written_request" } } });
  });

  it("ticking the last missing check makes the request ready, and says so", () => {
    let r = must(approve(awaitingApproval(), managerA, T1)).request;
    r = must(untickCheck(r, "phone_call", requester, T1)).request;
    expect(r.state).toBe("open");
    const { request, events } = must(tickCheck(r, "phone_call", requester, null, T2));
    expect(request.state).toBe("ready");
    expect(events.map((e) => e.action)).toEqual(["check.ticked", "request.ready"]);
  });

  it.each([
    { state: "executing" as const, error: { code: ErrorCode.ExecutionInProgress } },
    { state: "executed" as const, error: { code: ErrorCode.RequestClosed, details: { state: "executed" } } },
    { state: "withdrawn" as const, error: { code: ErrorCode.RequestClosed, details: { state: "withdrawn" } } },
    { state: "rejected" as const, error: { code: ErrorCode.RequestClosed, details: { state: "rejected" } } },
  ])("a request $state takes no ticks", ({ state, error }) => {
    expect(tickCheck(inState(state), "phone_call", requester, null, T1)).toEqual({ ok: false, error });
    expect(untickCheck(inState(state), "phone_call", requester, T1)).toEqual({ ok: false, error });
  });

  it("after execution, only a check data deletion waits for can be ticked (and unticked)", () => {
    const executed = inState("executed", waitingForDeletion());
    const { request } = must(tickCheck(executed, "courtesy_note", requester, null, T1));
    expect(request.state).toBe("executed");
    expect(request.checks.find((c) => c.checkId === "courtesy_note")!.status).toBe("done");
    expect(must(untickCheck(request, "courtesy_note", requester, T2)).request.state).toBe("executed");
    expect(tickCheck(executed, "phone_call", requester, null, T1)).toMatchObject({ ok: false, error: { code: ErrorCode.RequestClosed } });
    // Not before the request is executed: a withdrawn request is closed for good.
    expect(tickCheck(inState("withdrawn", waitingForDeletion()), "courtesy_note", requester, null, T1)).toMatchObject({ ok: false, error: { code: ErrorCode.RequestClosed } });
  });
});

describe("recordAutomaticResults: details", () => {
  const charges = (passed: boolean, detail: Record<string, unknown>) => ({ no_pending_charges: { passed, detail } });

  it("a re-check where only the detail changed is recorded", () => {
    const failed = must(recordAutomaticResults(opened(), charges(false, { count: 2 }), T1)).request;
    const { request, events } = must(recordAutomaticResults(failed, charges(false, { count: 3 }), T2));
    expect(request.checks.find((c) => c.checkId === "no_pending_charges")).toMatchObject({ status: "failed", detail: { count: 3 }, checkedAt: T2 });
    expect(request.version).toBe(failed.version + 1);
    expect(events).toEqual([{ action: "check.evaluated", data: { checkId: "no_pending_charges", status: "failed", detail: { count: 3 } } }]);
  });

  it("a re-check where only the status changed is recorded", () => {
    const failed = must(recordAutomaticResults(opened(), charges(false, { count: 0 }), T1)).request;
    const { request, events } = must(recordAutomaticResults(failed, charges(true, { count: 0 }), T2));
    expect(request.checks.find((c) => c.checkId === "no_pending_charges")).toEqual({
      checkId: "no_pending_charges",
      status: "done",
      tickedBy: null,
      tickedAt: null,
      evidence: null,
      detail: { count: 0 },
      checkedAt: T2,
    });
    expect(events).toEqual([{ action: "check.evaluated", data: { checkId: "no_pending_charges", status: "done", detail: { count: 0 } } }]);
  });

  it("the same result in another key order is no change (jsonb reorders keys)", () => {
    const failed = must(recordAutomaticResults(opened(), charges(false, { count: 2, invoices: ["F-1"] }), T1)).request;
    const same = must(recordAutomaticResults(failed, charges(false, { invoices: ["F-1"], count: 2 }), T2));
    expect(same).toEqual({ ok: true, request: failed, events: [] });
  });

  it("no result for a check leaves it as it is", () => {
    expect(recordAutomaticResults(opened(), {}, T1)).toEqual({ ok: true, request: opened(), events: [] });
  });

  it("management approval follows the approvals, never a reported result", () => {
    const results = { management_approval: { passed: true, detail: {} } } as unknown as Parameters<typeof recordAutomaticResults>[1];
    expect(recordAutomaticResults(opened(), results, T1)).toEqual({ ok: true, request: opened(), events: [] });
  });

  it("a dunning ladder still under way is pending, not failed; complete, done", () => {
    const base = opened();
    const request: DeactivationRequest = {
      ...base,
      snapshot: { ...base.snapshot, checks: [...base.snapshot.checks, { id: "ladder", label: "Ladder", type: "automatic", automatic: "dunning_complete", evidence: "none", required: true }] },
      checks: [...base.checks, { checkId: "ladder", status: "pending", tickedBy: null, tickedAt: null, evidence: null, detail: null, checkedAt: null }],
    };
    const running = must(recordAutomaticResults(request, { dunning_complete: { passed: false, detail: { done: 1, total: 3 } } }, T1));
    expect(running.request.checks.at(-1)).toMatchObject({ status: "pending", detail: { done: 1, total: 3 }, checkedAt: T1 });
    expect(missingForExecution(running.request)).toContainEqual({ type: "check", checkId: "ladder", problem: "not_evaluated" });
    const complete = must(recordAutomaticResults(running.request, { dunning_complete: { passed: true, detail: { done: 3, total: 3 } } }, T2));
    expect(complete.request.checks.at(-1)).toMatchObject({ status: "done" });
  });

  it("the last result missing makes the request ready, in the same change", () => {
    let r = must(approve(awaitingApproval(), managerA, T1)).request;
    r = must(recordAutomaticResults(r, charges(false, { count: 1 }), T1)).request;
    expect(r.state).toBe("open");
    const { events } = must(recordAutomaticResults(r, charges(true, { count: 0 }), T2));
    expect(events.map((e) => e.action)).toEqual(["check.evaluated", "request.ready"]);
  });

  it.each([
    { state: "executing" as const, error: { code: ErrorCode.ExecutionInProgress } },
    { state: "withdrawn" as const, error: { code: ErrorCode.RequestClosed, details: { state: "withdrawn" } } },
  ])("a request $state is not re-checked", ({ state, error }) => {
    expect(recordAutomaticResults(inState(state), charges(true, { count: 0 }), T1)).toEqual({ ok: false, error });
  });
});

describe("approve and reject: details", () => {
  it("with two required, the first approval leaves the management check pending", () => {
    const policy = testPolicy({ required: 2 });
    const { request, events } = must(approve(awaitingApproval(policy), managerA, T1));
    expect(request.checks.find((c) => c.checkId === "management_approval")).toEqual({
      checkId: "management_approval",
      status: "pending",
      tickedBy: null,
      tickedAt: null,
      evidence: null,
      detail: null,
      checkedAt: null,
    });
    expect(request.approvals).toEqual([{ approverId: MANAGER_A, decision: "approve", reason: null, decidedAt: T1 }]);
    expect(events).toEqual([{ action: "request.approved", data: { approvals: 1, required: 2 } }]);
  });

  it("the approval that completes the count ticks the check, by whom and when", () => {
    const policy = testPolicy({ required: 2 });
    const first = must(approve(awaitingApproval(policy), managerA, T1)).request;
    const { request, events } = must(approve(first, managerB, T2));
    expect(request.checks.find((c) => c.checkId === "management_approval")).toEqual({
      checkId: "management_approval",
      status: "done",
      tickedBy: MANAGER_B,
      tickedAt: T2,
      evidence: null,
      detail: { approvers: [MANAGER_A, MANAGER_B] },
      checkedAt: T2,
    });
    expect(events).toEqual([
      { action: "request.approved", data: { approvals: 2, required: 2 } },
      { action: "request.ready", data: {} },
    ]);
    expect(request.version).toBe(first.version + 1);
    // A third approver is told who decided, and when the last of them did.
    expect(approve(request, approverStranger, T2)).toEqual({
      ok: false,
      error: { code: ErrorCode.AlreadyDecided, details: { decision: "approve", by: [MANAGER_A, MANAGER_B], at: T2 } },
    });
  });

  it("one's own earlier decision is named as such", () => {
    const policy = testPolicy({ required: 2 });
    const first = must(approve(awaitingApproval(policy), managerA, T1)).request;
    expect(approve(first, managerA, T2)).toEqual({ ok: false, error: { code: ErrorCode.AlreadyDecided, details: { decision: "approve", by: [MANAGER_A], at: T1 } } });
    expect(reject(first, managerA, "changed my mind", T2)).toMatchObject({ ok: false, error: { code: ErrorCode.AlreadyDecided } });
  });

  it("after a rejection, the other approver is told who rejected and when", () => {
    const rejected = must(reject(awaitingApproval(), managerA, "Still owes us", T1)).request;
    const error = { code: ErrorCode.AlreadyDecided, details: { decision: "reject", by: [MANAGER_A], at: T1 } };
    expect(approve(rejected, managerB, T2)).toEqual({ ok: false, error });
    expect(reject(rejected, managerB, "me too", T2)).toEqual({ ok: false, error });
    expect(decisionRefusal(rejected, managerB)).toEqual(error);
  });

  it("with two required, a rejection after one approval is named as the decision, not the approval", () => {
    const policy = testPolicy({ required: 2 });
    const approved = must(approve(awaitingApproval(policy), managerA, T1)).request;
    const rejected = must(reject(approved, managerB, "Still owes us", T2)).request;
    expect(approve(rejected, approverStranger, T2)).toEqual({ ok: false, error: { code: ErrorCode.AlreadyDecided, details: { decision: "reject", by: [MANAGER_B], at: T2 } } });
  });

  it.each([
    { state: "withdrawn" as const, error: { code: ErrorCode.RequestClosed, details: { state: "withdrawn" } } },
    { state: "executed" as const, error: { code: ErrorCode.RequestClosed, details: { state: "executed" } } },
    { state: "executing" as const, error: { code: ErrorCode.ExecutionInProgress } },
    // Rejected some other way than by an approver's decision (no rejection recorded): still closed.
    { state: "rejected" as const, error: { code: ErrorCode.RequestClosed, details: { state: "rejected" } } },
  ])("a request $state cannot be approved or rejected", ({ state, error }) => {
    const request = inState(state, awaitingApproval());
    expect(approve(request, managerA, T1)).toEqual({ ok: false, error });
    expect(reject(request, managerA, "no", T1)).toEqual({ ok: false, error });
    expect(decisionRefusal(request, managerA)).toEqual(error);
  });

  it("decisionRefusal: null while the actor may decide", () => {
    expect(decisionRefusal(awaitingApproval(), managerA)).toBeNull();
    expect(decisionRefusal(awaitingApproval(), stranger)).toEqual({ code: ErrorCode.NotApprover });
    expect(decisionRefusal(awaitingApproval(), { userId: REQUESTER, isApprover: true })).toEqual({ code: ErrorCode.SelfApproval });
  });

  it("a kind with checks but no management approval check takes no approvals", () => {
    const base = opened();
    const request = { ...base, snapshot: { ...base.snapshot, checks: base.snapshot.checks.filter((c) => c.automatic !== "management_approval") } };
    expect(approvalApplies(request)).toBe(false);
    expect(approvalApplies(base)).toBe(true);
    expect(approve(request, managerA, T1)).toEqual({ ok: false, error: { code: ErrorCode.ApprovalNotApplicable, details: { kind: "voluntary" } } });
    expect(reject(request, managerA, "no", T1)).toEqual({ ok: false, error: { code: ErrorCode.ApprovalNotApplicable, details: { kind: "voluntary" } } });
  });

  it("approvalsGiven counts approvals, not rejections", () => {
    const approval = { approverId: MANAGER_A, decision: "approve" as const, reason: null, decidedAt: T1 };
    const rejection = { approverId: MANAGER_B, decision: "reject" as const, reason: "no", decidedAt: T2 };
    expect(approvalsGiven({ approvals: [approval, rejection] })).toEqual([approval]);
    expect(approvalsGiven({ approvals: [rejection] })).toEqual([]);
  });

  it("rejection records the trimmed reason, who, when, and closes the request", () => {
    const before = awaitingApproval();
    const { request, events } = must(reject(before, managerA, "  Client still owes us \n", T1));
    expect(request).toEqual({
      ...before,
      state: "rejected",
      version: before.version + 1,
      approvals: [{ approverId: MANAGER_A, decision: "reject", reason: "Client still owes us", decidedAt: T1 }],
      closedAt: T1,
      closedBy: MANAGER_A,
      closeReason: "Client still owes us",
    });
    expect(events).toEqual([{ action: "request.rejected", data: { reason: "Client still owes us" } }]);
  });

  it.each([
    { name: "1000 characters", reason: "x".repeat(1000), ok: true },
    { name: "1001 characters", reason: "x".repeat(1001), ok: false },
  ])("a rejection reason of $name", ({ reason, ok }) => {
    const result = reject(awaitingApproval(), managerA, reason, T1);
    if (ok) expect(result).toMatchObject({ ok: true, request: { closeReason: reason } });
    else expect(result).toEqual({ ok: false, error: { code: ErrorCode.FieldTooLong, details: { field: "reason", max: 1000 } } });
  });

  it("a rejection needs an approver too", () => {
    expect(reject(awaitingApproval(), stranger, "no", T1)).toEqual({ ok: false, error: { code: ErrorCode.NotApprover } });
  });
});

describe("withdraw: details", () => {
  it("records who, when and the trimmed reason; a blank reason is none", () => {
    const before = opened();
    const { request, events } = must(withdraw(before, requester, "  client changed their mind ", T1));
    expect(request).toEqual({ ...before, state: "withdrawn", version: 1, closedAt: T1, closedBy: REQUESTER, closeReason: "client changed their mind" });
    expect(events).toEqual([{ action: "request.withdrawn", data: { reason: "client changed their mind" } }]);
    expect(must(withdraw(before, requester, "   ", T1)).request.closeReason).toBeNull();
    expect(must(withdraw(before, requester, undefined, T1)).events).toEqual([{ action: "request.withdrawn", data: { reason: null } }]);
  });

  it.each([
    { name: "1000 characters", reason: "x".repeat(1000), ok: true },
    { name: "1001 characters", reason: "x".repeat(1001), ok: false },
  ])("a reason of $name", ({ reason, ok }) => {
    const result = withdraw(opened(), requester, reason, T1);
    if (ok) expect(result).toMatchObject({ ok: true, request: { closeReason: reason } });
    else expect(result).toEqual({ ok: false, error: { code: ErrorCode.FieldTooLong, details: { field: "reason", max: 1000 } } });
  });

  it.each([
    { state: "ready" as const, ok: true },
    { state: "executing" as const, error: { code: ErrorCode.ExecutionInProgress } },
    { state: "withdrawn" as const, error: { code: ErrorCode.RequestClosed, details: { state: "withdrawn" } } },
    { state: "rejected" as const, error: { code: ErrorCode.RequestClosed, details: { state: "rejected" } } },
  ])("a request $state", ({ state, ok, error }) => {
    const result = withdraw(inState(state), requester, null, T1);
    if (ok) expect(result).toMatchObject({ ok: true, request: { state: "withdrawn" } });
    else expect(result).toEqual({ ok: false, error });
  });
});

describe("missingForExecution: details", () => {
  it("a failed check, a check never evaluated, and one with no state at all", () => {
    const base = must(recordAutomaticResults(opened(), { no_pending_charges: { passed: false, detail: {} } }, T1)).request;
    const request = { ...base, checks: base.checks.filter((c) => c.checkId !== "phone_call") };
    expect(missingForExecution(request)).toEqual([
      { type: "check", checkId: "written_request", problem: "not_ticked" },
      { type: "check", checkId: "phone_call", problem: "not_ticked" },
      { type: "check", checkId: "no_pending_charges", problem: "failed" },
      { type: "approvals", have: 0, need: 1 },
    ]);
  });

  it("a check data deletion waits for does not gate execution", () => {
    const base = opened();
    const request = waitingForDeletion({ ...base, snapshot: { ...base.snapshot, checks: base.snapshot.checks.map((c) => (c.id === "courtesy_note" ? { ...c, required: true } : c)) } });
    expect(missingForExecution(request).map((m) => (m.type === "check" ? m.checkId : m.type))).toEqual(["written_request", "phone_call", "no_pending_charges", "approvals"]);
    expect(missingForDeletion(request)).toEqual(["courtesy_note"]);
  });

  it("missingForDeletion: checks deletion waits for that are not done", () => {
    const base = waitingForDeletion();
    expect(missingForDeletion(opened())).toEqual([]);
    const withUnknown = { ...base, snapshot: { ...base.snapshot, calendar: { ...base.snapshot.calendar, deletionWaitsFor: ["courtesy_note", "phone_call", "gone"] } } };
    const ticked = must(tickCheck(withUnknown, "phone_call", requester, null, T1)).request;
    expect(missingForDeletion(ticked)).toEqual(["courtesy_note", "gone"]);
  });
});

describe("execution: details", () => {
  const ready = () => must(approve(awaitingApproval(), managerA, T1)).request;

  it("starting records who started it and the actions, and bumps the version", () => {
    const before = ready();
    expect(startExecution(before, managerA, T2)).toEqual({
      ok: true,
      request: { ...before, state: "executing", version: before.version + 1 },
      actions: ["hold_invoices", "inactivate_client"],
      events: [{ action: "execution.started", data: { actions: ["hold_invoices", "inactivate_client"], by: MANAGER_A } }],
    });
  });

  it.each([
    { name: "before the moment", now: "2026-09-01T02:59:59.999Z", ok: false },
    { name: "at the moment", now: "2026-09-01T03:00:00.000Z", ok: true },
    { name: "after it", now: "2026-09-02T12:00:00.000Z", ok: true },
  ])("with service running until a moment: $name", ({ now, ok }) => {
    const notBefore = new Date("2026-09-01T03:00:00.000Z");
    const result = startExecution(ready(), managerA, new Date(now), notBefore);
    if (ok) expect(result).toMatchObject({ ok: true, request: { state: "executing" } });
    else expect(result).toEqual({ ok: false, error: { code: ErrorCode.ExecutionScheduled, details: { at: notBefore } } });
  });

  it.each([
    { state: "withdrawn" as const, error: { code: ErrorCode.RequestClosed, details: { state: "withdrawn" } } },
    { state: "executed" as const, error: { code: ErrorCode.RequestClosed, details: { state: "executed" } } },
  ])("a request $state is not started", ({ state, error }) => {
    expect(startExecution(inState(state, ready()), managerA, T2)).toEqual({ ok: false, error });
  });

  it.each(["open", "ready", "executed", "withdrawn"] as const)("a request %s is neither completed nor failed", (state) => {
    const error = { code: ErrorCode.RequestNotExecuting, details: { state } };
    expect(completeExecution(inState(state, ready()), managerA, T2)).toEqual({ ok: false, error });
    expect(failExecution(inState(state, ready()), "inactivate_client", "down", T2)).toEqual({ ok: false, error });
  });

  it("completing records who and when, and the actions", () => {
    const started = must(startExecution(ready(), managerA, T2)).request;
    expect(completeExecution(started, requester, T2)).toEqual({
      ok: true,
      request: { ...started, state: "executed", version: started.version + 1, executedAt: T2, executedBy: REQUESTER },
      events: [{ action: "request.executed", data: { actions: ["hold_invoices", "inactivate_client"] } }],
    });
  });

  it("a failure goes back to open when something went missing meanwhile", () => {
    const started = must(startExecution(ready(), managerA, T2)).request;
    const unticked = { ...started, checks: started.checks.map((c) => (c.checkId === "phone_call" ? { ...c, status: "pending" as const } : c)) };
    const { request, events } = must(failExecution(unticked, "hold_invoices", "ledger down", T2));
    expect(request.state).toBe("open");
    expect(events).toEqual([{ action: "execution.failed", data: { failedAction: "hold_invoices", error: "ledger down" } }]);
  });
});

describe("planReactivation: details", () => {
  const TZ = "America/Montevideo";
  const at = new Date("2026-09-10T12:00:00Z");
  const inactive: ReactivationFacts = { status: "inactive", dataDeletedAt: null, unpaid: [] };
  const executedAs = (kind: string) => {
    const request = opened({ kind });
    return { id: "req-7", snapshot: request.snapshot, requestedAt: T0, requestedOn: "2026-08-09" };
  };

  it("a client deactivated before Offboard (no earlier execution): reactivated, nothing said to stay", () => {
    expect(planReactivation(inactive, null, at, TZ)).toEqual({
      ok: true,
      actions: ["reactivate_client"],
      unchanged: { invoicesOnHold: false, subscriptionsCancelled: false },
      events: [{ action: "client.reactivated", data: { afterRequest: null, unchanged: { invoicesOnHold: false, subscriptionsCancelled: false } } }],
    });
    expect(planReactivation({ ...inactive, unpaid: [{ number: "F-9" }] }, null, at, TZ)).toMatchObject({ ok: true });
  });

  it("names the request it follows, and what stays (seed 003: invoices on hold, subscriptions cancelled)", () => {
    const unchanged = { invoicesOnHold: true, subscriptionsCancelled: true };
    expect(planReactivation(inactive, executedAs("on_hold"), at, TZ)).toEqual({
      ok: true,
      actions: ["reactivate_client"],
      unchanged,
      events: [{ action: "client.reactivated", data: { afterRequest: "req-7", unchanged } }],
    });
    expect(must(planReactivation(inactive, executedAs("voluntary"), at, TZ)).unchanged).toEqual({ invoicesOnHold: true, subscriptionsCancelled: false });
  });

  it.each([
    { name: "data deleted, no earlier execution", last: null, client: { ...inactive, dataDeletedAt: T1, unpaid: [{ number: "F-1" }, { number: "F-2" }] }, error: { code: ErrorCode.ReactivationRestartRequired, details: { unpaid: ["F-1", "F-2"], monthsInAdvance: 0 } } },
    { name: "data deleted, a kind with no restart terms", last: executedAs("toggle"), client: { ...inactive, dataDeletedAt: T1 }, error: { code: ErrorCode.ReactivationRestartRequired, details: { unpaid: [], monthsInAdvance: 0 } } },
    { name: "a kind that forbids it, data deleted too", last: executedAs("final"), client: { ...inactive, dataDeletedAt: T1 }, error: { code: ErrorCode.ReactivationNotAllowed, details: { kind: "final" } } },
    { name: "an active client, of a kind that forbids it", last: executedAs("final"), client: { ...inactive, status: "active" as const }, error: { code: ErrorCode.ClientAlreadyActive } },
  ])("refuses: $name", ({ last, client, error }) => {
    expect(planReactivation(client, last, at, TZ)).toEqual({ ok: false, error });
  });

  it("a window after service ends: open on its last day, closed the day after", () => {
    const last = executedAs("toggle");
    const windowed = { ...last, snapshot: { ...last.snapshot, calendar: { ...last.snapshot.calendar, reactivableUntil: { type: "after_service_ends" as const, duration: { days: 30 } } } } };
    // Service ended at once on 9 Aug: reactivable to 8 Sep.
    expect(planReactivation(inactive, windowed, new Date("2026-09-09T02:59:00Z"), TZ)).toMatchObject({ ok: true });
    expect(planReactivation(inactive, windowed, new Date("2026-09-09T03:00:00Z"), TZ)).toEqual({ ok: false, error: { code: ErrorCode.ReactivationWindowClosed, details: { until: "2026-09-08" } } });
  });
});

describe("states", () => {
  it("a request holds its client while open, ready or executing", () => {
    expect(LIVE_STATES).toEqual(["open", "ready", "executing"]);
  });
});
