import { ClientNotInSystemError, type ActionOutcome, type SystemOfRecord } from "../connectors/system-of-record.ts";
import { appendAudit } from "../db/audit.ts";
import type { Tx } from "../db/database.ts";
import {
  findLastExecutedFor,
  findLiveRequestFor,
  findRequest,
  insertRequest,
  lockRequest,
  saveRequest,
  type StoredRequest,
} from "../db/requests.ts";
import { ErrorCode, fail, OffboardError, type DomainError, type Result } from "../domain/errors.ts";
import type { Action } from "../domain/policy.ts";
import * as lifecycle from "../domain/request.ts";
import type { Actor, AuditDraft, DeactivationRequest, Transition } from "../domain/request.ts";
import { ladderResult } from "../domain/dunning.ts";
import { evaluateAutomaticChecks } from "./automatic-checks.ts";
import { loadLadder, startLadder } from "./dunning.ts";
import { cancelDeletion, scheduleDeletion } from "./data-deletion.ts";
import { notBefore, saveTransition, syncScheduledExecution } from "./scheduled-execution.ts";
import type { ServiceDeps } from "./deps.ts";

export type RequestResult = Result<{ request: StoredRequest }>;

/** Refusals about who may do what are kept on the audit trail; other refusals are just answered. */
const AUDITED_REFUSALS = new Set<string>([ErrorCode.NotApprover, ErrorCode.SelfApproval, ErrorCode.NotAllowedToWithdraw]);

/** The domain's input, naming the client by ref; the third party defaults to the client's own fact. */
export type OpenRequestCommand = Omit<lifecycle.OpenRequestInput, "client" | "thirdPartyInvolved"> & {
  clientRef: string;
  thirdPartyInvolved?: boolean;
};

export async function openRequest(deps: ServiceDeps, command: OpenRequestCommand): Promise<RequestResult> {
  const client = await deps.sor.getClient(command.clientRef);
  if (!client) return fail(ErrorCode.ClientNotFound, { ref: command.clientRef });
  const existing = await findLiveRequestFor(deps.db, client.id);
  if (existing) return alreadyOpen(existing);

  const now = deps.clock.now();
  const opened = lifecycle.openRequest(
    { ...command, client, thirdPartyInvolved: command.thirdPartyInvolved ?? client.thirdParty },
    deps.policy,
    now,
  );
  if (!opened.ok) return opened;
  // Read the system of record before the transaction: it may be a remote call.
  const automatic = await evaluateAutomaticChecks(deps.sor, client.ref, opened.request.snapshot);

  try {
    return await deps.db.$transaction(async (tx) => {
      // One live request per client: the client row serialises concurrent openings.
      await tx.$queryRaw`SELECT "id" FROM "Client" WHERE "id" = ${client.id}::uuid FOR UPDATE`;
      const live = await findLiveRequestFor(tx, client.id);
      if (live) return alreadyOpen(live);
      const inserted = await insertRequest(tx, opened.request);
      await startLadder(tx, deps, inserted);
      const ladderSteps = await loadLadder(tx, inserted.id);
      const withLadder = ladderSteps.length ? { ...automatic, dunning_complete: ladderResult(ladderSteps) } : automatic;
      const evaluated = lifecycle.recordAutomaticResults(inserted, withLadder, now);
      if (!evaluated.ok) throw new OffboardError(evaluated.error);
      await saveTransition(tx, deps, inserted, evaluated.request);
      await syncScheduledExecution(tx, deps, null, evaluated.request);
      await audit(tx, inserted, command.requestedBy, now, [...opened.events, ...evaluated.events]);
      return { ok: true as const, request: { ...evaluated.request, number: inserted.number } };
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      const live = await findLiveRequestFor(deps.db, client.id);
      if (live) return alreadyOpen(live);
    }
    throw error;
  }
}

function alreadyOpen(existing: StoredRequest) {
  return fail(ErrorCode.RequestAlreadyOpen, { requestId: existing.id, number: existing.number, state: existing.state });
}

export async function tickCheck(deps: ServiceDeps, requestId: string, userId: string, checkId: string, evidence?: string | null): Promise<RequestResult> {
  if (await dataGone(deps, requestId)) return fail(ErrorCode.RequestClosed, { state: "executed" });
  return change(deps, requestId, userId, (request, actor, now) => lifecycle.tickCheck(request, checkId, actor, evidence, now));
}

export async function untickCheck(deps: ServiceDeps, requestId: string, userId: string, checkId: string): Promise<RequestResult> {
  if (await dataGone(deps, requestId)) return fail(ErrorCode.RequestClosed, { state: "executed" });
  return change(deps, requestId, userId, (request, actor, now) => lifecycle.untickCheck(request, checkId, actor, now));
}

/** After deletion nothing about the request changes any more, not even the checks deletion waited for. */
async function dataGone(deps: ServiceDeps, requestId: string): Promise<boolean> {
  const row = await deps.db.deactivationRequest.findUnique({ where: { id: requestId }, select: { client: { select: { dataDeletedAt: true } } } });
  return Boolean(row?.client.dataDeletedAt);
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
  const request = await findRequest(deps.db, requestId);
  if (!request) return fail(ErrorCode.RequestNotFound, { requestId });
  const client = await deps.db.client.findUniqueOrThrow({ where: { id: request.clientId }, select: { ref: true } });
  const results = await evaluateAutomaticChecks(deps.sor, client.ref, request.snapshot);
  return change(deps, requestId, userId, (r, _actor, now) => lifecycle.recordAutomaticResults(r, results, now));
}

// ---------------------------------------------------------------- execution

export type ExecutionResult = Result<{ request: StoredRequest; outcomes: { action: Action; outcome: ActionOutcome }[] }>;

/**
 * Executes a ready request: re-evaluates the automatic checks, re-validates
 * everything, then runs the policy's actions in order through the system of
 * record, each recorded with an idempotency key. A failed action leaves the
 * request ready; a retry skips the actions already done.
 */
export async function executeRequest(deps: ServiceDeps, requestId: string, userId: string): Promise<ExecutionResult> {
  const refreshed = await refreshAutomaticChecks(deps, requestId, userId);
  if (!refreshed.ok) return refreshed;
  const actor: Actor = { userId, isApprover: await deps.approvers.isApprover(userId) };
  const started = await deps.db.$transaction(async (tx) => {
    const before = await lockRequest(tx, requestId);
    if (!before) return fail(ErrorCode.RequestNotFound, { requestId });
    const now = deps.clock.now();
    const result = lifecycle.startExecution(before, actor, now, notBefore(deps, before));
    if (!result.ok) return result;
    await saveRequest(tx, before, result.request);
    await tx.executionStep.createMany({
      data: result.actions.map((action, position) => ({ requestId, action, position, idempotencyKey: `${requestId}:${action}` })),
      skipDuplicates: true,
    });
    await audit(tx, before, userId, now, result.events);
    return { ok: true as const, request: { ...result.request, number: before.number } };
  });
  if (!started.ok) return started;

  const client = await deps.db.client.findUniqueOrThrow({ where: { id: started.request.clientId }, select: { ref: true } });
  const steps = await deps.db.executionStep.findMany({ where: { requestId }, orderBy: { position: "asc" } });
  const outcomes: { action: Action; outcome: ActionOutcome }[] = [];
  for (const step of steps) {
    const action = step.action as Action;
    if (step.status === "done") continue;
    const now = deps.clock.now();
    let outcome: ActionOutcome;
    try {
      outcome = await runAction(deps.sor, action, client.ref, {
        actor: userId,
        at: now,
        reason: started.request.reason,
        idempotencyKey: step.idempotencyKey,
      });
    } catch (error) {
      const message = error instanceof ClientNotInSystemError ? error.message : describeError(error);
      await deps.db.$transaction(async (tx) => {
        await tx.executionStep.update({ where: { id: step.id }, data: { status: "failed", attempts: { increment: 1 }, lastError: message } });
        const before = await lockRequest(tx, requestId);
        const failed = lifecycle.failExecution(before!, action, message, now);
        if (!failed.ok) throw new OffboardError(failed.error);
        await saveTransition(tx, deps, before!, failed.request);
        await audit(tx, before!, userId, now, failed.events);
      });
      return fail(ErrorCode.ExecutionFailed, { action, error: message, done: outcomes.map((o) => o.action) });
    }
    await deps.db.$transaction(async (tx) => {
      await tx.executionStep.update({
        where: { id: step.id },
        data: { status: "done", attempts: { increment: 1 }, lastError: null, result: outcome as object, completedAt: now },
      });
      await audit(tx, started.request, userId, now, [{ action: "execution.action_done", data: { action, outcome } }]);
    });
    outcomes.push({ action, outcome });
  }

  return deps.db.$transaction(async (tx) => {
    const before = await lockRequest(tx, requestId);
    const now = deps.clock.now();
    const done = lifecycle.completeExecution(before!, actor, now);
    if (!done.ok) return done;
    await saveRequest(tx, before!, done.request);
    await scheduleDeletion(tx, deps, { ...done.request, number: before!.number });
    await audit(tx, before!, userId, now, done.events);
    return { ok: true as const, request: { ...done.request, number: before!.number }, outcomes };
  });
}

function runAction(sor: SystemOfRecord, action: Action, ref: string, context: Parameters<SystemOfRecord["inactivateClient"]>[1]) {
  switch (action) {
    case "inactivate_client":
      return sor.inactivateClient(ref, context);
    case "hold_invoices":
      return sor.holdInvoices(ref, context);
    case "cancel_subscriptions":
      return sor.cancelSubscriptions(ref, context);
  }
}

// ---------------------------------------------------------------- reactivation

export type ReactivationResult = Result<{ clientId: string; afterRequest: StoredRequest | null; unchanged: lifecycle.ReactivationPlan["unchanged"] }>;

/** What reactivating a client would do and leave as it is, without doing it (for the confirmation). */
export async function previewReactivation(deps: ServiceDeps, clientRef: string) {
  const client = await deps.sor.getClient(clientRef);
  if (!client) return fail(ErrorCode.ClientNotFound, { ref: clientRef });
  const last = await findLastExecutedFor(deps.db, client.id);
  const plan = lifecycle.planReactivation(client, last);
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
  const outcome = await deps.sor.reactivateClient(client.ref, { actor: userId, at: now, idempotencyKey: `${client.id}:reactivate:${episode}` });
  await deps.db.$transaction(async (tx) => {
    if (last) await cancelDeletion(tx, last.id);
    await appendAudit(
      tx,
      plan.events.map((e) => ({ at: now, actor: userId, action: e.action, requestId: last?.id ?? null, clientId: client.id, data: { ...e.data, outcome } })),
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
): Promise<RequestResult> {
  // Resolved before the transaction: it may ask Slack about user groups.
  const actor: Actor = { userId, isApprover: await deps.approvers.isApprover(userId) };
  return deps.db.$transaction(async (tx) => {
    const before = await lockRequest(tx, requestId);
    if (!before) return fail(ErrorCode.RequestNotFound, { requestId });
    const now = deps.clock.now();
    const result = run(before, actor, now);
    if (!result.ok) {
      if (AUDITED_REFUSALS.has(result.error.code)) await auditRefusal(tx, before, userId, now, result.error);
      return result;
    }
    await saveTransition(tx, deps, before, result.request);
    await audit(tx, before, userId, now, result.events);
    return { ok: true as const, request: { ...result.request, number: before.number } };
  });
}


function audit(tx: Tx, request: Pick<DeactivationRequest, "id" | "clientId">, actor: string, at: Date, events: AuditDraft[]) {
  return appendAudit(
    tx,
    events.map((e) => ({ at, actor, action: e.action, requestId: request.id, clientId: request.clientId, data: e.data })),
  );
}

function auditRefusal(tx: Tx, request: DeactivationRequest, actor: string, at: Date, error: DomainError) {
  return audit(tx, request, actor, at, [{ action: "request.refused", data: { code: error.code, state: request.state } }]);
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === "P2002";
}

function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.length > 500 ? `${message.slice(0, 500)}…` : message;
}
