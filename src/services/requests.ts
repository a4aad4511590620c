import { audit, refuse } from "./audit-trail.ts";
import type { StoredRequest } from "../db/requests.ts";
import { ErrorCode, fail, OffboardError, type Result } from "../domain/errors.ts";
import * as lifecycle from "../domain/request.ts";
import type { Actor, AuditDraft, DeactivationRequest, Transition } from "../domain/request.ts";
import { ladderResult } from "../domain/dunning.ts";
import { evaluateAutomaticChecks, type AutomaticResults } from "./automatic-checks.ts";
import { startLadder } from "./dunning.ts";
import { cancelDeletion } from "./data-deletion.ts";
import { saveTransition, syncScheduledExecution } from "./scheduled-execution.ts";
import type { ServiceDeps } from "./deps.ts";
import { RefusedBySystemError } from "../connectors/system-of-record.ts";
import { attemptKeyOf, isSystemOfRecordError, readSor, sorFailed } from "./sor-calls.ts";
import { describeError } from "./describe-error.ts";

export type RequestResult = Result<{ request: StoredRequest }>;


/** The domain's input, naming the client by ref; the third party defaults to the client's own fact. */
export type OpenRequestCommand = Omit<lifecycle.OpenRequestInput, "client" | "thirdPartyInvolved"> & {
  clientRef: string;
  thirdPartyInvolved?: boolean;
  /**
   * Identifies the submission (the Slack form's view id): the same submission
   * again, retried or sent to another process, returns the request it opened.
   */
  submissionKey?: string | null;
};

export type OpenResult = Result<{ request: StoredRequest; replayed?: true }>;

export async function openRequest(deps: ServiceDeps, command: OpenRequestCommand): Promise<OpenResult> {
  const key = command.submissionKey ?? null;
  const taken = key ? await deps.store.requests.findBySubmission(key) : null;
  if (taken) return replayed(taken);
  const read = await readSor(() => deps.sor.getClient(command.clientRef));
  if (!read.ok) return read;
  const client = read.value;
  if (!client) return fail(ErrorCode.ClientNotFound, { ref: command.clientRef });
  const existing = await deps.store.requests.findLiveFor(client.id);
  if (existing) return alreadyOpen(existing);

  const now = deps.clock.now();
  const opened = lifecycle.openRequest(
    { ...command, client, thirdPartyInvolved: command.thirdPartyInvolved ?? client.thirdParty },
    deps.policy,
    now,
  );
  if (!opened.ok) return opened;
  // Read the system of record before the transaction: it may be a remote call.
  const evaluated = await readSor(() => evaluateAutomaticChecks(deps.sor, client.ref, opened.request.snapshot));
  if (!evaluated.ok) return evaluated;
  const automatic = evaluated.value;

  try {
    const result = await deps.store.transaction(async (tx) => {
      // One live request per client: the client row serialises concurrent openings.
      await tx.clients.lock(client.id);
      const same = key ? await tx.requests.findBySubmission(key) : null;
      if (same) return replayed(same);
      const live = await tx.requests.findLiveFor(client.id);
      if (live) return alreadyOpen(live);
      const inserted = await tx.requests.insert(opened.request, key);
      await startLadder(tx, deps, inserted);
      const ladderSteps = await tx.ladders.steps(inserted.id);
      const withLadder = ladderSteps.length ? { ...automatic, dunning_complete: ladderResult(ladderSteps) } : automatic;
      const evaluated = lifecycle.recordAutomaticResults(inserted, withLadder, now);
      if (!evaluated.ok) throw new OffboardError(evaluated.error);
      await saveTransition(tx, deps, inserted, evaluated.request);
      await syncScheduledExecution(tx, deps, null, evaluated.request);
      await audit(tx, inserted, command.requestedBy, now, [...opened.events, ...evaluated.events]);
      return { ok: true as const, request: { ...evaluated.request, number: inserted.number } };
    });
    if (result.ok && !("replayed" in result)) await openRetrievalWorkOrder(deps, result.request, client.ref, automatic, command.requestedBy);
    return result;
  } catch (error) {
    if (isUniqueViolation(error)) {
      const same = key ? await deps.store.requests.findBySubmission(key) : null;
      if (same) return replayed(same);
      const live = await deps.store.requests.findLiveFor(client.id);
      if (live) return alreadyOpen(live);
    }
    throw error;
  }
}

function replayed(request: StoredRequest) {
  return { ok: true as const, request, replayed: true as const };
}

function alreadyOpen(existing: StoredRequest) {
  return fail(ErrorCode.RequestAlreadyOpen, { requestId: existing.id, number: existing.number, state: existing.state });
}

export function tickCheck(deps: ServiceDeps, requestId: string, userId: string, checkId: string, evidence?: string | null): Promise<RequestResult> {
  return change(deps, requestId, userId, (request, actor, now) => lifecycle.tickCheck(request, checkId, actor, evidence, now), { unlessDataDeleted: true });
}

export function untickCheck(deps: ServiceDeps, requestId: string, userId: string, checkId: string): Promise<RequestResult> {
  return change(deps, requestId, userId, (request, actor, now) => lifecycle.untickCheck(request, checkId, actor, now), { unlessDataDeleted: true });
}

export function approveRequest(deps: ServiceDeps, requestId: string, userId: string) {
  return change(deps, requestId, userId, (request, actor, now) => lifecycle.approve(request, actor, now));
}

/** Whether the user may decide on the request now (asked before showing the reject form); refusals are audited. */
export function checkMayDecide(deps: ServiceDeps, requestId: string, userId: string) {
  return change(deps, requestId, userId, (request, actor) => {
    const refusal = lifecycle.decisionRefusal(request, actor);
    return refusal ? { ok: false, error: refusal } : { ok: true, request, events: [] };
  });
}

export function rejectRequest(deps: ServiceDeps, requestId: string, userId: string, reason: string) {
  return change(deps, requestId, userId, (request, actor, now) => lifecycle.reject(request, actor, reason, now));
}

export function withdrawRequest(deps: ServiceDeps, requestId: string, userId: string, reason?: string | null) {
  return change(deps, requestId, userId, (request, actor, now) => lifecycle.withdraw(request, actor, reason, now));
}

/** Asks the system of record again (a charge may have appeared, equipment come back). */
export async function refreshAutomaticChecks(deps: ServiceDeps, requestId: string, userId: string): Promise<RequestResult> {
  const request = await deps.store.requests.find(requestId);
  if (!request) return fail(ErrorCode.RequestNotFound, { requestId });
  const client = await deps.store.clients.get(request.clientId);
  const read = await readSor(() => evaluateAutomaticChecks(deps.sor, client.ref, request.snapshot));
  if (!read.ok) return read;
  const results = read.value;
  const changed = await change(deps, requestId, userId, (r, _actor, now) => lifecycle.recordAutomaticResults(r, results, now));
  if (changed.ok) await openRetrievalWorkOrder(deps, changed.request, client.ref, results, userId);
  return changed;
}

/**
 * Seed 001: loaned equipment still out blocks the request and, when the
 * policy says so, opens a work order to retrieve it: once per request (the
 * idempotency key), said once in the thread. A failure to open it is logged
 * and retried at the next re-check; it never undoes the request.
 */
async function openRetrievalWorkOrder(deps: ServiceDeps, request: StoredRequest, ref: string, results: AutomaticResults, userId: string): Promise<void> {
  const out = results.no_equipment_out;
  if (request.snapshot.onEquipmentOut !== "work_order" || !out || out.passed) return;
  if (await deps.store.audit.hasEvent(request.id, "work_order.created")) return;
  const now = deps.clock.now();
  let items: Awaited<ReturnType<ServiceDeps["sor"]["equipmentOut"]>> = [];
  let order: { number: string };
  const keyBase = `${request.id}:equipment_retrieval`;
  const idempotencyKey = await attemptKeyOf(deps.store, { requestId: request.id }, WORK_ORDER_REFUSED, keyBase);
  try {
    items = await deps.sor.equipmentOut(ref);
    order = await deps.sor.createWorkOrder(ref, { kind: "equipment_retrieval", items }, { actor: userId, at: now, idempotencyKey });
  } catch (error) {
    // A refusal ends this attempt: the next re-check is a new attempt, with a new key.
    const refused: AuditDraft[] = error instanceof RefusedBySystemError ? [{ action: WORK_ORDER_REFUSED, data: { kind: "equipment_retrieval", keyBase, idempotencyKey, status: error.status } }] : [];
    await deps.store.transaction((tx) => audit(tx, request, userId, now, [...refused, { action: "work_order.failed", data: { kind: "equipment_retrieval", error: describeError(error) } }]));
    return;
  }
  await deps.store.transaction(async (tx) => {
    await tx.requests.lock(request.id);
    if (!(await tx.audit.hasEvent(request.id, "work_order.created"))) await audit(tx, request, userId, now, [{ action: "work_order.created", data: { number: order.number, kind: "equipment_retrieval", items } }]);
  });
}

/** On the audit trail: the system of record refused an attempt to open a work order (attemptKeyOf counts these). */
const WORK_ORDER_REFUSED = "work_order.refused";

// ---------------------------------------------------------------- reactivation

/** On the audit trail: the system of record refused an attempt to reactivate (attemptKeyOf counts these). */
const REACTIVATION_REFUSED = "reactivation.refused";

export type ReactivationResult = Result<{ clientId: string; afterRequest: StoredRequest | null; unchanged: lifecycle.ReactivationPlan["unchanged"] }>;

/** What reactivating a client would do and leave as it is, without doing it (for the confirmation). */
export async function previewReactivation(deps: ServiceDeps, clientRef: string) {
  const read = await readSor(() => deps.sor.getClient(clientRef));
  if (!read.ok) return read;
  const client = read.value;
  if (!client) return fail(ErrorCode.ClientNotFound, { ref: clientRef });
  const last = await deps.store.requests.findLastExecutedFor(client.id);
  const record = await deps.store.clients.find(client.id);
  // Unpaid invoices matter only to a kind that requires them paid, or to say what a new start must pay: ask only then.
  const rule = last?.snapshot.reactivation;
  const charges = rule?.requiresPaid || (record?.dataDeletedAt && rule?.restart) ? await readSor(() => deps.sor.pendingCharges(client.ref)) : { ok: true as const, value: [] };
  if (!charges.ok) return charges;
  const unpaid = charges.value;
  const plan = lifecycle.planReactivation({ status: client.status, dataDeletedAt: record?.dataDeletedAt ?? null, unpaid }, last, deps.clock.now(), deps.policy.timezone);
  if (!plan.ok) return plan;
  return { ok: true as const, client, last, plan };
}

export async function reactivateClient(deps: ServiceDeps, clientRef: string, userId: string): Promise<ReactivationResult> {
  const preview = await previewReactivation(deps, clientRef);
  if (!preview.ok) return preview;
  const { client, last, plan } = preview;
  const now = deps.clock.now();
  // The inactivation it undoes identifies a reactivation: repeating it acts once.
  const episode = client.inactivatedAt?.toISOString() ?? "unknown";
  const keyBase = `${client.id}:reactivate:${episode}`;
  const idempotencyKey = await attemptKeyOf(deps.store, { clientId: client.id }, REACTIVATION_REFUSED, keyBase);
  let outcome: Awaited<ReturnType<ServiceDeps["sor"]["reactivateClient"]>>;
  try {
    outcome = await deps.sor.reactivateClient(client.ref, { actor: userId, at: now, idempotencyKey });
  } catch (error) {
    if (!isSystemOfRecordError(error)) throw error;
    // A refusal ends this attempt: the next reactivation is a new attempt, with a new key.
    if (error instanceof RefusedBySystemError) {
      await deps.store.transaction((tx) =>
        tx.audit.append([{ at: now, actor: userId, action: REACTIVATION_REFUSED, requestId: last?.id ?? null, clientId: client.id, data: { keyBase, idempotencyKey, status: error.status, error: describeError(error) } }]),
      );
    }
    return sorFailed(error);
  }
  await deps.store.transaction(async (tx) => {
    if (last) await cancelDeletion(tx, last.id);
    await tx.audit.append(
      plan.events.map((e) => ({ ...e, at: now, actor: userId, requestId: last?.id ?? null, clientId: client.id, data: { ...e.data, outcome } })),
    );
  });
  return { ok: true, clientId: client.id, afterRequest: last, unchanged: plan.unchanged };
}

// ---------------------------------------------------------------- helpers

async function change(
  deps: ServiceDeps,
  requestId: string,
  userId: string,
  run: (request: DeactivationRequest, actor: Actor, now: Date) => Transition,
  options: { unlessDataDeleted?: boolean } = {},
): Promise<RequestResult> {
  // Resolved before the transaction: it may ask Slack about user groups.
  const actor: Actor = { userId, isApprover: await deps.approvers.isApprover(userId) };
  return deps.store.transaction(async (tx) => {
    const locked = await tx.requests.lockForChange(requestId);
    const now = deps.clock.now();
    if (!locked) return refuse(tx, requestId, null, userId, now, { code: ErrorCode.RequestNotFound, details: { requestId } });
    // After deletion nothing about the request changes any more, not even the checks deletion waited for.
    if (options.unlessDataDeleted && locked.dataDeleted) return fail(ErrorCode.RequestClosed, { state: "executed" });
    const before = locked.request;
    const result = run(before, actor, now);
    if (!result.ok) return refuse(tx, requestId, before, userId, now, result.error);
    await saveTransition(tx, deps, before, result.request);
    await audit(tx, before, userId, now, result.events);
    return { ok: true as const, request: { ...result.request, number: before.number } };
  });
}




function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === "P2002";
}

/**
 * Seed 003: invoices put on hold stay on hold after a reactivation "until
 * someone releases them". An approver does, from the card, once the client is
 * active again; the release is audited on the request that held them.
 */
export async function releaseHeldInvoices(deps: ServiceDeps, requestId: string, userId: string): Promise<Result<{ released: string[] }>> {
  const request = await deps.store.requests.find(requestId);
  const now = deps.clock.now();
  if (!request) return deps.store.transaction((tx) => refuse(tx, requestId, null, userId, now, { code: ErrorCode.RequestNotFound, details: { requestId } }));
  if (!(await deps.approvers.isApprover(userId))) return deps.store.transaction((tx) => refuse(tx, requestId, request, userId, now, { code: ErrorCode.ReleaseNotAllowed }));
  const client = await deps.store.clients.get(request.clientId);
  if (request.state !== "executed" || client.status !== "active") return fail(ErrorCode.ClientAlreadyInactive);
  const outcome = await deps.sor.releaseInvoices(client.ref, { actor: userId, at: now, idempotencyKey: `${requestId}:release_invoices:${now.toISOString()}` });
  const released = Array.isArray(outcome.released) ? outcome.released.map(String) : [];
  await deps.store.transaction((tx) => audit(tx, request, userId, now, [{ action: "invoices.released", data: { released } }]));
  return { ok: true, released };
}
