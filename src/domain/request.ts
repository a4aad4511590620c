import { computeTimeline, isIsoDate, localDate } from "./calendar.ts";
import { sameJson } from "./canonical-json.ts";
import type { CheckDetail } from "./check-details.ts";
import { ErrorCode, fail, type Result } from "./errors.ts";
import {
  checkApplies,
  type Action,
  type AutomaticCheck,
  type ClientFacts,
  type Policy,
} from "./policy.ts";

export type RequestState = "open" | "ready" | "executing" | "executed" | "rejected" | "withdrawn";
/** States in which a request holds its client: one such request per client. */
export const LIVE_STATES: readonly RequestState[] = ["open", "ready", "executing"];
const EDITABLE_STATES: readonly RequestState[] = ["open", "ready"];

export const LIMITS = {
  reason: 1000,
  askedBy: 200,
  confirmation: 1000,
  notes: 3000,
  evidence: 2000,
  closeReason: 1000,
} as const;

/** The policy as it was when the request opened: later edits are not retroactive. */
/** What a request keeps of the policy it was opened under (schema: snapshot.ts). */
export type { RequestSnapshot } from "./snapshot.ts";
import type { RequestSnapshot } from "./snapshot.ts";

export type CheckStatus = "pending" | "done" | "failed";

export interface CheckState {
  checkId: string;
  status: CheckStatus;
  tickedBy: string | null;
  tickedAt: Date | null;
  evidence: string | null;
  /** Why an automatic check passed or failed, as facts (rendered by the views). */
  detail: Record<string, unknown> | null;
  checkedAt: Date | null;
}

export interface ApprovalRecord {
  approverId: string;
  decision: "approve" | "reject";
  reason: string | null;
  decidedAt: Date;
}

export interface DeactivationRequest {
  id: string;
  clientId: string;
  kind: string;
  state: RequestState;
  version: number;
  requestedBy: string;
  requestedAt: Date;
  /** YYYY-MM-DD in the policy's time zone: the day the client asked. */
  requestedOn: string;
  reason: string;
  askedBy: string | null;
  confirmation: string | null;
  thirdPartyInvolved: boolean;
  notes: string | null;
  snapshot: RequestSnapshot;
  checks: CheckState[];
  approvals: ApprovalRecord[];
  closedAt: Date | null;
  closedBy: string | null;
  closeReason: string | null;
  executedAt: Date | null;
  executedBy: string | null;
}

/** Who acts, and whether the policy makes them an approver (resolved by the service). */
export interface Actor {
  userId: string;
  isApprover: boolean;
}

/** An audit event before the service gives it a sequence number and hash (one shape per action: events.ts). */
export type { AuditDraft } from "./events.ts";
import type { AuditDraft, DraftOf } from "./events.ts";

export type Transition = Result<{ request: DeactivationRequest; events: AuditDraft[] }>;

export type Missing =
  | { type: "check"; checkId: string; problem: "not_ticked" | "failed" | "not_evaluated" }
  | { type: "approvals"; have: number; need: number };

// ---------------------------------------------------------------- open

export interface OpenRequestInput {
  client: { id: string; status: "active" | "inactive"; hostedDatabase: boolean };
  kind: string;
  requestedBy: string;
  /** YYYY-MM-DD; defaults to today in the policy's time zone; never in the future. */
  requestedOn?: string;
  reason: string;
  askedBy?: string | null;
  confirmation?: string | null;
  thirdPartyInvolved: boolean;
  notes?: string | null;
}

export type NewRequest = Omit<DeactivationRequest, "id" | "version">;

export function openRequest(
  input: OpenRequestInput,
  policy: Policy,
  now: Date,
): Result<{ request: NewRequest; events: AuditDraft[] }> {
  const kind = policy.kinds[input.kind];
  if (!kind) return fail(ErrorCode.KindUnknown, { kind: input.kind, known: Object.keys(policy.kinds) });
  if (input.client.status !== "active") return fail(ErrorCode.ClientAlreadyInactive);
  const reason = input.reason.trim();
  if (!reason) return fail(ErrorCode.ReasonRequired);
  const today = localDate(now, policy.timezone);
  const requestedOn = input.requestedOn ?? today;
  if (!isIsoDate(requestedOn) || requestedOn > today) return fail(ErrorCode.RequestedOnInvalid, { requestedOn, today });
  const fields = {
    reason,
    askedBy: optionalText(input.askedBy),
    confirmation: optionalText(input.confirmation),
    notes: optionalText(input.notes),
  };
  for (const [field, value] of Object.entries(fields)) {
    const max = LIMITS[field as keyof typeof LIMITS];
    if (value && value.length > max) return fail(ErrorCode.FieldTooLong, { field, max });
  }

  const facts: ClientFacts = { thirdParty: input.thirdPartyInvolved, hostedDatabase: input.client.hostedDatabase };
  const checks = kind.checks.filter((c) => checkApplies(c, facts));
  const snapshot: RequestSnapshot = {
    kind: kind.id,
    label: kind.label,
    checks,
    actions: [...kind.actions],
    approvals: { required: policy.approvers.required, allowSelfApproval: policy.approvers.allowSelfApproval },
    reactivation: { ...kind.reactivation },
    calendar: kind.calendar,
    dunning: kind.dunning,
    onEquipmentOut: kind.onEquipmentOut,
    ...(kind.collectionsUnless ? { collectionsUnless: kind.collectionsUnless } : {}),
    // A request keeps the messages of the policy it was opened under (its steps' messages come with `dunning`).
    ...(kind.deletionNotice ? { deletionNotice: kind.deletionNotice } : {}),
  };
  const request: NewRequest = {
    clientId: input.client.id,
    kind: kind.id,
    state: "open",
    requestedBy: input.requestedBy,
    requestedAt: now,
    requestedOn,
    ...fields,
    thirdPartyInvolved: input.thirdPartyInvolved,
    snapshot,
    checks: checks.map((c) => ({
      checkId: c.id,
      status: "pending",
      tickedBy: null,
      tickedAt: null,
      evidence: null,
      detail: null,
      checkedAt: null,
    })),
    approvals: [],
    closedAt: null,
    closedBy: null,
    closeReason: null,
    executedAt: null,
    executedBy: null,
  };
  const skipped = kind.checks.filter((c) => !checks.includes(c)).map((c) => c.id);
  return {
    ok: true,
    request: withDerivedState(request),
    events: [
      {
        action: "request.opened",
        data: { kind: kind.id, reason, checks: checks.map((c) => c.id), skippedChecks: skipped, facts },
      },
    ],
  };
}

function optionalText(value: string | null | undefined): string | null {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
}

// ---------------------------------------------------------------- checks

export function tickCheck(
  request: DeactivationRequest,
  checkId: string,
  actor: Actor,
  evidenceInput: string | null | undefined,
  now: Date,
): Transition {
  const found = findManualCheck(request, checkId);
  if (!found.ok) return found;
  const { definition, state } = found;
  if (state.status === "done") return fail(ErrorCode.CheckAlreadyTicked, { checkId, by: state.tickedBy, at: state.tickedAt });
  const evidence = optionalText(evidenceInput);
  if (definition.evidence === "required" && !evidence) return fail(ErrorCode.EvidenceRequired, { checkId });
  if (definition.evidence === "none" && evidence) return fail(ErrorCode.EvidenceNotAccepted, { checkId });
  if (evidence && evidence.length > LIMITS.evidence) {
    return fail(ErrorCode.FieldTooLong, { field: "evidence", max: LIMITS.evidence });
  }
  const next = replaceCheck(request, { ...state, status: "done", tickedBy: actor.userId, tickedAt: now, evidence });
  return changed(request, next, { action: "check.ticked", data: { checkId, evidence } });
}

export function untickCheck(request: DeactivationRequest, checkId: string, actor: Actor, now: Date): Transition {
  void now;
  const found = findManualCheck(request, checkId);
  if (!found.ok) return found;
  const { state } = found;
  if (state.status !== "done") return fail(ErrorCode.CheckNotTicked, { checkId });
  const next = replaceCheck(request, { ...state, status: "pending", tickedBy: null, tickedAt: null, evidence: null });
  return changed(request, next, {
    action: "check.unticked",
    data: { checkId, previouslyTickedBy: state.tickedBy, previousEvidence: state.evidence, by: actor.userId },
  });
}

export interface AutomaticResult {
  passed: boolean;
  detail: Record<string, unknown>;
}

/**
 * Records what the system of record says now. Management approval is not
 * evaluated here: it follows the approvals themselves.
 */
export function recordAutomaticResults(
  request: DeactivationRequest,
  results: Partial<Record<Exclude<AutomaticCheck, "management_approval">, AutomaticResult>>,
  now: Date,
): Transition {
  const refused = refuseUnlessEditable(request);
  if (refused) return refused;
  let next = request;
  const events: AuditDraft[] = [];
  for (const definition of request.snapshot.checks) {
    if (definition.type !== "automatic" || definition.automatic === "management_approval") continue;
    const result = results[definition.automatic!];
    if (!result) continue;
    const state = stateOf(next, definition.id);
    // A ladder still under way is pending, not failed.
    const status: CheckStatus = result.passed ? "done" : definition.automatic === "dunning_complete" ? "pending" : "failed";
    if (state.status === status && sameJson(state.detail, result.detail)) continue;
    next = replaceCheck(next, { ...state, status, detail: result.detail, checkedAt: now });
    events.push({ action: "check.evaluated", data: { checkId: definition.id, status, detail: result.detail } });
  }
  if (events.length === 0) return { ok: true, request, events };
  return changed(request, next, ...events);
}

// ---------------------------------------------------------------- approvals

export function approvalApplies(request: Pick<DeactivationRequest, "snapshot">): boolean {
  return request.snapshot.checks.some((c) => c.automatic === "management_approval");
}

export function approvalsGiven(request: Pick<DeactivationRequest, "approvals">): ApprovalRecord[] {
  return request.approvals.filter((a) => a.decision === "approve");
}

export function approve(request: DeactivationRequest, actor: Actor, now: Date): Transition {
  const refused = refuseDecision(request, actor);
  if (refused) return refused;
  const approval: ApprovalRecord = { approverId: actor.userId, decision: "approve", reason: null, decidedAt: now };
  const next = { ...request, approvals: [...request.approvals, approval] };
  const approvers = approvalsGiven(next).map((a) => a.approverId);
  const have = approvers.length;
  const need = request.snapshot.approvals.required;
  const checkId = request.snapshot.checks.find((c) => c.automatic === "management_approval")!.id;
  const withCheck =
    have >= need
      ? replaceCheck(next, {
          ...stateOf(next, checkId),
          status: "done",
          tickedBy: actor.userId,
          tickedAt: now,
          detail: { approvers } satisfies CheckDetail<"management_approval">,
          checkedAt: now,
        })
      : next;
  return changed(request, withCheck, { action: "request.approved", data: { approvals: have, required: need } });
}

export function reject(request: DeactivationRequest, actor: Actor, reasonInput: string, now: Date): Transition {
  const refused = refuseDecision(request, actor);
  if (refused) return refused;
  const reason = reasonInput.trim();
  if (!reason) return fail(ErrorCode.RejectReasonRequired);
  if (reason.length > LIMITS.closeReason) return fail(ErrorCode.FieldTooLong, { field: "reason", max: LIMITS.closeReason });
  const next: DeactivationRequest = {
    ...request,
    state: "rejected",
    approvals: [...request.approvals, { approverId: actor.userId, decision: "reject", reason, decidedAt: now }],
    closedAt: now,
    closedBy: actor.userId,
    closeReason: reason,
  };
  return changed(request, next, { action: "request.rejected", data: { reason } });
}

/** Why this actor may not approve or reject this request now; null when they may. */
export function decisionRefusal(request: DeactivationRequest, actor: Actor) {
  const refused = refuseDecision(request, actor);
  return refused ? refused.error : null;
}

function refuseDecision(request: DeactivationRequest, actor: Actor) {
  // Two approvers deciding at once: the one who lost is told who decided first.
  const rejection = request.state === "rejected" ? request.approvals.find((a) => a.decision === "reject") : undefined;
  if (rejection) return fail(ErrorCode.AlreadyDecided, { decision: "reject", by: [rejection.approverId], at: rejection.decidedAt });
  const refused = refuseUnlessEditable(request);
  if (refused) return refused;
  if (!approvalApplies(request)) return fail(ErrorCode.ApprovalNotApplicable, { kind: request.kind });
  if (!actor.isApprover) return fail(ErrorCode.NotApprover);
  if (actor.userId === request.requestedBy && !request.snapshot.approvals.allowSelfApproval) return fail(ErrorCode.SelfApproval);
  const own = request.approvals.find((a) => a.approverId === actor.userId);
  if (own) return fail(ErrorCode.AlreadyDecided, { decision: own.decision, by: [own.approverId], at: own.decidedAt });
  const given = approvalsGiven(request);
  if (given.length >= request.snapshot.approvals.required) {
    return fail(ErrorCode.AlreadyDecided, { decision: "approve", by: given.map((a) => a.approverId), at: given.at(-1)!.decidedAt });
  }
  return null;
}

// ---------------------------------------------------------------- withdraw

export function withdraw(request: DeactivationRequest, actor: Actor, reasonInput: string | null | undefined, now: Date): Transition {
  const refused = refuseUnlessEditable(request);
  if (refused) return refused;
  if (actor.userId !== request.requestedBy && !actor.isApprover) return fail(ErrorCode.NotAllowedToWithdraw);
  const reason = optionalText(reasonInput);
  if (reason && reason.length > LIMITS.closeReason) return fail(ErrorCode.FieldTooLong, { field: "reason", max: LIMITS.closeReason });
  const next: DeactivationRequest = { ...request, state: "withdrawn", closedAt: now, closedBy: actor.userId, closeReason: reason };
  return changed(request, next, { action: "request.withdrawn", data: { reason } });
}

// ---------------------------------------------------------------- execution

/** Everything still missing before the request may be executed; empty when ready. */
export function missingForExecution(request: Pick<DeactivationRequest, "snapshot" | "checks" | "approvals">): Missing[] {
  const missing: Missing[] = [];
  const forDeletion = new Set(request.snapshot.calendar.deletionWaitsFor ?? []);
  for (const definition of request.snapshot.checks) {
    // Checks that deletion waits for are done after inactivation: they do not gate it.
    if (!definition.required || forDeletion.has(definition.id)) continue;
    if (definition.automatic === "management_approval") {
      const have = approvalsGiven(request).length;
      const need = request.snapshot.approvals.required;
      if (have < need) missing.push({ type: "approvals", have, need });
      continue;
    }
    const state = request.checks.find((c) => c.checkId === definition.id);
    if (state?.status === "done") continue;
    const problem =
      state?.status === "failed" ? "failed" : definition.type === "automatic" ? "not_evaluated" : "not_ticked";
    missing.push({ type: "check", checkId: definition.id, problem });
  }
  return missing;
}

/**
 * Starts an execution: the request must be ready (the caller re-evaluates the
 * automatic checks first). Returns the policy's actions, in order.
 */
export function startExecution(
  request: DeactivationRequest,
  actor: Actor,
  now: Date,
  /** From the kind's calendar (executionMoment): service runs until then, so inactivation waits. */
  notBefore: Date | null = null,
): Result<{ request: DeactivationRequest; actions: Action[]; events: AuditDraft[] }> {
  const refused = refuseUnlessEditable(request);
  if (refused) return refused;
  const missing = missingForExecution(request);
  if (missing.length > 0) return fail(ErrorCode.RequestNotReady, { missing });
  if (notBefore && now < notBefore) return fail(ErrorCode.ExecutionScheduled, { at: notBefore });
  const next: DeactivationRequest = { ...request, state: "executing", version: request.version + 1 };
  return {
    ok: true,
    request: next,
    actions: [...request.snapshot.actions],
    events: [{ action: "execution.started", data: { actions: request.snapshot.actions, by: actor.userId } }],
  };
}

export function completeExecution(request: DeactivationRequest, actor: Actor, now: Date): Transition {
  if (request.state !== "executing") return fail(ErrorCode.RequestNotExecuting, { state: request.state });
  const next: DeactivationRequest = { ...request, state: "executed", executedAt: now, executedBy: actor.userId };
  return changed(request, next, { action: "request.executed", data: { actions: request.snapshot.actions } });
}

/** An action failed: the request goes back to ready, and a retry resumes from the failed action. */
export function failExecution(request: DeactivationRequest, action: Action, error: string, now: Date): Transition {
  void now;
  if (request.state !== "executing") return fail(ErrorCode.RequestNotExecuting, { state: request.state });
  const next: DeactivationRequest = { ...request, state: "open" };
  return changed(request, next, { action: "execution.failed", data: { failedAction: action, error } });
}

// ---------------------------------------------------------------- reactivation

export interface ReactivationPlan {
  actions: ["reactivate_client"];
  /** What the reactivation leaves as it is, to be said in the confirmation (seed 003). */
  unchanged: { invoicesOnHold: boolean; subscriptionsCancelled: boolean };
  events: DraftOf<"client.reactivated">[];
}

export interface ReactivationFacts {
  status: "active" | "inactive";
  /** When the policy's data deletion ran: after it, only a new start. */
  dataDeletedAt: Date | null;
  /** Unpaid invoices now (for policies that require them paid). */
  unpaid: { number: string }[];
}

/**
 * Whether and how the client may be reactivated, by the rules of the kind it
 * was deactivated under: allowed at all, within its window (seed 002: before
 * the data is deleted), with nothing unpaid when the policy says so, and after
 * deletion never: that is a new start on the policy's terms.
 */
export function planReactivation(
  client: ReactivationFacts,
  lastExecuted: Pick<DeactivationRequest, "id" | "snapshot" | "requestedAt" | "requestedOn"> | null,
  now: Date,
  timezone: string,
): Result<ReactivationPlan> {
  if (client.status === "active") return fail(ErrorCode.ClientAlreadyActive);
  const rule = lastExecuted?.snapshot.reactivation;
  if (lastExecuted && rule && !rule.allowed) return fail(ErrorCode.ReactivationNotAllowed, { kind: lastExecuted.snapshot.kind });
  if (client.dataDeletedAt) {
    return fail(ErrorCode.ReactivationRestartRequired, { unpaid: client.unpaid.map((i) => i.number), monthsInAdvance: rule?.restart?.monthsInAdvance ?? 0 });
  }
  if (lastExecuted) {
    const until = computeTimeline(lastExecuted.snapshot.calendar, [], timezone, lastExecuted.requestedAt, lastExecuted.requestedOn).reactivableUntil;
    if (until && localDate(now, timezone) > until) return fail(ErrorCode.ReactivationWindowClosed, { until });
  }
  if (rule?.requiresPaid && client.unpaid.length > 0) return fail(ErrorCode.ReactivationUnpaid, { unpaid: client.unpaid.map((i) => i.number) });
  const actions = lastExecuted?.snapshot.actions ?? [];
  const unchanged = {
    invoicesOnHold: actions.includes("hold_invoices"),
    subscriptionsCancelled: actions.includes("cancel_subscriptions"),
  };
  return {
    ok: true,
    actions: ["reactivate_client"],
    unchanged,
    events: [{ action: "client.reactivated", data: { afterRequest: lastExecuted?.id ?? null, unchanged } }],
  };
}

// ---------------------------------------------------------------- helpers

function refuseUnlessEditable(request: Pick<DeactivationRequest, "state">) {
  if (request.state === "executing") return fail(ErrorCode.ExecutionInProgress);
  if (!EDITABLE_STATES.includes(request.state)) return fail(ErrorCode.RequestClosed, { state: request.state });
  return null;
}

/** Checks deletion waits for that are not done yet. */
export function missingForDeletion(request: Pick<DeactivationRequest, "snapshot" | "checks">): string[] {
  return (request.snapshot.calendar.deletionWaitsFor ?? []).filter((id) => request.checks.find((c) => c.checkId === id)?.status !== "done");
}

/** A check people tick, on a request that can still change (or, for a check deletion waits for, an executed one). */
function findManualCheck(request: DeactivationRequest, checkId: string) {
  const afterExecution = request.state === "executed" && (request.snapshot.calendar.deletionWaitsFor ?? []).includes(checkId);
  const refused = afterExecution ? null : refuseUnlessEditable(request);
  if (refused) return refused;
  const definition = request.snapshot.checks.find((c) => c.id === checkId);
  if (!definition) return fail(ErrorCode.CheckUnknown, { checkId });
  if (definition.type === "automatic") return fail(ErrorCode.CheckAutomatic, { checkId });
  return { ok: true as const, definition, state: stateOf(request, checkId) };
}

function stateOf(request: Pick<DeactivationRequest, "checks">, checkId: string): CheckState {
  const state = request.checks.find((c) => c.checkId === checkId);
  if (!state) throw new Error(`request has no state for check ${checkId}`);
  return state;
}

function replaceCheck<R extends Pick<DeactivationRequest, "checks">>(request: R, check: CheckState): R {
  return { ...request, checks: request.checks.map((c) => (c.checkId === check.checkId ? check : c)) };
}

/** open <-> ready follows from what is missing; other states stay. */
function withDerivedState<R extends Pick<DeactivationRequest, "state" | "snapshot" | "checks" | "approvals">>(request: R): R {
  if (!EDITABLE_STATES.includes(request.state)) return request;
  const state: RequestState = missingForExecution(request).length === 0 ? "ready" : "open";
  return state === request.state ? request : { ...request, state };
}

function changed(before: DeactivationRequest, after: DeactivationRequest, ...changes: AuditDraft[]): Transition {
  const next = { ...withDerivedState(after), version: before.version + 1 };
  const events = [...changes];
  if (EDITABLE_STATES.includes(before.state) && EDITABLE_STATES.includes(next.state) && before.state !== next.state) {
    events.push({ action: next.state === "ready" ? "request.ready" : "request.reopened", data: {} });
  }
  return { ok: true, request: next, events };
}
