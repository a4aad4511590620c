import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../src/domain/errors.ts";
import {
  approve,
  completeExecution,
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
    if (!result.ok) {
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
