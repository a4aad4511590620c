import type { Repositories } from "../db/store.ts";
import { executionMoment } from "../domain/calendar.ts";
import type { DeactivationRequest } from "../domain/request.ts";
import type { ServiceDeps } from "./deps.ts";

export const EXECUTE_JOB = "request.execute";

/** When this request may be executed (null: as soon as it is ready). */
export function notBefore(deps: Pick<ServiceDeps, "policy">, request: Pick<DeactivationRequest, "snapshot" | "requestedAt" | "requestedOn">): Date | null {
  return executionMoment(request.snapshot.calendar, deps.policy.timezone, request.requestedAt, request.requestedOn);
}

/**
 * Keeps the scheduled execution in step with the request's state, in the
 * transaction that changes it: a request that becomes ready while its
 * service still runs is executed by itself when it ends; one that stops
 * being ready is not.
 */
export async function syncScheduledExecution(tx: Pick<Repositories, "jobs">, deps: Pick<ServiceDeps, "policy">, before: Pick<DeactivationRequest, "state"> | null, after: DeactivationRequest): Promise<void> {
  const wasReady = before?.state === "ready";
  const isReady = after.state === "ready";
  // Back to ready after a failed action: the job that was executing retries by itself.
  if (isReady && !wasReady && before?.state !== "executing") {
    const at = notBefore(deps, after);
    // The version makes each time the request becomes ready its own job.
    if (at) await tx.jobs.schedule([{ kind: EXECUTE_JOB, key: `${EXECUTE_JOB}:${after.id}:v${after.version}`, runAt: at, requestId: after.id, payload: { requestId: after.id } }]);
  }
  if (wasReady && !isReady && after.state !== "executing") {
    await tx.jobs.cancel(after.id, [EXECUTE_JOB]);
  }
}

/** Saves a transition and what it schedules, in the caller's transaction. */
export async function saveTransition(tx: Pick<Repositories, "requests" | "jobs">, deps: Pick<ServiceDeps, "policy">, before: DeactivationRequest, after: DeactivationRequest): Promise<void> {
  if (after === before) return;
  await tx.requests.save(before, after);
  await syncScheduledExecution(tx, deps, before, after);
}
