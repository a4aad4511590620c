import { ClientNotInSystemError, RefusedBySystemError, type ActionOutcome, type SystemOfRecord } from "../connectors/system-of-record.ts";
import type { StoredRequest } from "../db/requests.ts";
import type { Repositories } from "../db/store.ts";
import { ErrorCode, fail, OffboardError, type Result } from "../domain/errors.ts";
import type { Action } from "../domain/policy.ts";
import * as lifecycle from "../domain/request.ts";
import type { Actor, DeactivationRequest } from "../domain/request.ts";
import { scheduleDeletion } from "./data-deletion.ts";
import type { ServiceDeps } from "./deps.ts";
import { audit } from "./audit-trail.ts";
import { describeError } from "./describe-error.ts";
import { refreshAutomaticChecks } from "./requests.ts";
import { notBefore, saveTransition } from "./scheduled-execution.ts";

export type ExecutionResult = Result<{ request: StoredRequest; outcomes: { action: Action; outcome: ActionOutcome }[] }>;

/** Finishes an execution whose process died (SIGKILL, a crash, a lost machine). */
export const RESUME_JOB = "execution.resume";

/**
 * How long a process is presumed alive while it runs one action. Past it,
 * another process takes the action over, with the same idempotency key, so
 * the system of record does it at most once. Connector timeouts stay below it.
 */
export const ACTION_LEASE_MS = 5 * 60_000;

/**
 * Executes a ready request: re-evaluates the automatic checks, re-validates
 * everything, then runs the policy's actions in order through the system of
 * record, each recorded with an idempotency key. A failed action leaves the
 * request ready; a retry skips the actions already done. The transaction that
 * starts the execution also schedules its resumption, so a process killed
 * half-way is finished by whichever process is up after the lease.
 */
export async function executeRequest(deps: ServiceDeps, requestId: string, userId: string): Promise<ExecutionResult> {
  const refreshed = await refreshAutomaticChecks(deps, requestId, userId);
  if (!refreshed.ok) return refreshed;
  const actor: Actor = { userId, isApprover: await deps.approvers.isApprover(userId) };
  const started = await deps.store.transaction(async (tx) => {
    const before = await tx.requests.lock(requestId);
    if (!before) return fail(ErrorCode.RequestNotFound, { requestId });
    const now = deps.clock.now();
    const result = lifecycle.startExecution(before, actor, now, notBefore(deps, before));
    if (!result.ok) return result;
    await tx.requests.save(before, result.request);
    await tx.executionSteps.create(requestId, result.actions);
    await scheduleResume(tx, requestId, userId, new Date(now.getTime() + ACTION_LEASE_MS));
    await audit(tx, before, userId, now, result.events);
    return { ok: true as const, request: result.request };
  });
  if (!started.ok) return started;
  return runSteps(deps, started.request, actor);
}

export type ResumeOutcome = { status: "settled" } | { status: "later"; at: Date } | { status: "ran"; result: ExecutionResult };

/**
 * The resumption job: nothing to do when the execution ended; wait while
 * another process still holds an action; otherwise take over from the first
 * action not done, on behalf of the person who started it.
 */
export async function resumeExecution(deps: ServiceDeps, requestId: string, userId: string): Promise<ResumeOutcome> {
  const request = await deps.store.requests.find(requestId);
  if (!request || request.state !== "executing") return { status: "settled" };
  const now = deps.clock.now();
  const heldUntil = await deps.store.executionSteps.heldUntil(requestId, now);
  if (heldUntil) {
    await scheduleResume(deps.store, requestId, userId, new Date(heldUntil.getTime() + 1000));
    return { status: "later", at: heldUntil };
  }
  await deps.store.transaction((tx) => audit(tx, request, "system", now, [{ action: "execution.resumed", data: { for: userId } }]));
  const actor: Actor = { userId, isApprover: await deps.approvers.isApprover(userId) };
  return { status: "ran", result: await runSteps(deps, request, actor) };
}

function scheduleResume(tx: Pick<Repositories, "jobs">, requestId: string, userId: string, runAt: Date) {
  return tx.jobs.schedule([{ kind: RESUME_JOB, key: `${RESUME_JOB}:${requestId}:${runAt.getTime()}`, runAt, requestId, payload: { requestId, userId } }]);
}

/** Runs the actions not yet done, each claimed first so two processes never run the same one at once. */
async function runSteps(deps: ServiceDeps, request: DeactivationRequest, actor: Actor): Promise<ExecutionResult> {
  const userId = actor.userId;
  const requestId = request.id;
  const client = await deps.store.clients.get(request.clientId);
  const steps = await deps.store.executionSteps.list(requestId);
  const outcomes: { action: Action; outcome: ActionOutcome }[] = [];
  for (const step of steps) {
    const action = step.action as Action;
    if (step.status === "done") continue;
    const now = deps.clock.now();
    if (!(await deps.store.executionSteps.claim(step.id, now, new Date(now.getTime() + ACTION_LEASE_MS)))) {
      if ((await deps.store.executionSteps.status(step.id)) === "done") continue;
      return fail(ErrorCode.ExecutionInProgress);
    }
    let outcome: ActionOutcome;
    const idempotencyKey = await attemptKey(deps.store, requestId, action, step.idempotencyKey);
    try {
      outcome = await runAction(deps.sor, action, client.ref, { actor: userId, at: now, reason: request.reason, idempotencyKey }, request);
    } catch (error) {
      const message = error instanceof ClientNotInSystemError ? error.message : describeError(error);
      await deps.store.transaction(async (tx) => {
        await tx.executionSteps.markFailed(step.id, message);
        // A refusal ends this attempt: the next Execute is a new attempt, with a new key (attemptKey counts these).
        if (error instanceof RefusedBySystemError) await audit(tx, request, userId, now, [{ action: REFUSED_EVENT, data: { action, idempotencyKey, status: error.status } }]);
        const before = await tx.requests.lock(requestId);
        const failed = lifecycle.failExecution(before!, action, message, now);
        if (!failed.ok) throw new OffboardError(failed.error);
        await saveTransition(tx, deps, before!, failed.request);
        await tx.jobs.cancel(requestId, [RESUME_JOB]);
        await audit(tx, before!, userId, now, failed.events);
      });
      return fail(ErrorCode.ExecutionFailed, { action, error: message, done: outcomes.map((o) => o.action) });
    }
    await deps.store.transaction(async (tx) => {
      await tx.executionSteps.markDone(step.id, outcome, now);
      await audit(tx, request, userId, now, [{ action: "execution.action_done", data: { action, idempotencyKey, outcome } }]);
    });
    outcomes.push({ action, outcome });
  }

  return deps.store.transaction(async (tx) => {
    const before = await tx.requests.lock(requestId);
    const now = deps.clock.now();
    const done = lifecycle.completeExecution(before!, actor, now);
    if (!done.ok) return done;
    await tx.requests.save(before!, done.request);
    await tx.jobs.cancel(requestId, [RESUME_JOB]);
    await scheduleDeletion(tx, deps, { ...done.request, number: before!.number });
    await audit(tx, before!, userId, now, done.events);
    return { ok: true as const, request: { ...done.request, number: before!.number }, outcomes };
  });
}

/** On the audit trail, in the transaction that marks the step failed: the system of record refused this attempt. */
const REFUSED_EVENT = "execution.action_refused";

/**
 * The Idempotency-Key of the current attempt of a step: the step's key
 * (`<request id>:<action>`) until the system of record refuses it, then
 * `<request id>:<action>:<n>` for the n-th attempt, n = refusals + 1. Derived
 * from the refusals on the audit trail, so a retry after a timeout, a 5xx or
 * a process that died sends the same key, and only a refusal moves it on.
 */
async function attemptKey(db: Pick<Repositories, "audit">, requestId: string, action: Action, stepKey: string): Promise<string> {
  const refusals = await db.audit.eventData({ requestId }, REFUSED_EVENT);
  const n = refusals.filter((data) => (data as { action?: unknown } | null)?.action === action).length;
  return n === 0 ? stepKey : `${stepKey}:${n + 1}`;
}

function runAction(sor: SystemOfRecord, action: Action, ref: string, context: Parameters<SystemOfRecord["inactivateClient"]>[1], request: DeactivationRequest): Promise<ActionOutcome> {
  switch (action) {
    case "send_to_collections": {
      // Seed 002: the debt goes to collections "a no ser que le hagamos Notas de Crédito".
      const unless = request.snapshot.collectionsUnless;
      if (unless && request.checks.find((c) => c.checkId === unless)?.status === "done") return Promise.resolve({ skipped: true, because: unless });
      return sor.sendToCollections(ref, context);
    }
    case "inactivate_client":
      return sor.inactivateClient(ref, context);
    case "hold_invoices":
      return sor.holdInvoices(ref, context);
    case "cancel_subscriptions":
      return sor.cancelSubscriptions(ref, context);
    case "keep_login_records":
      return sor.keepLoginRecords(ref, context);
  }
}
