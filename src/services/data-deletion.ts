import type { StoredRequest } from "../db/requests.ts";
import type { Repositories } from "../db/store.ts";
import { deletionMoment } from "../domain/calendar.ts";
import { addDuration, type PolicyDuration } from "../domain/duration.ts";
import { nextBusinessMoment } from "../domain/dunning.ts";
import { missingForDeletion } from "../domain/request.ts";
import type { ServiceDeps } from "./deps.ts";
import { RefusedBySystemError } from "../connectors/system-of-record.ts";
import { attemptKeyOf } from "./sor-calls.ts";

export const DELETE_JOB = "data.delete";
export const DELETE_REMINDER_JOB = "data.delete.remind";
/** On the audit trail: the system of record refused an attempt to delete the client's data. */
const DELETION_REFUSED = "deletion.refused";

/** When a request is executed, in the same transaction: the deletion of the client's data on its date, and a reminder before. */
export async function scheduleDeletion(tx: Pick<Repositories, "jobs">, deps: Pick<ServiceDeps, "policy">, request: StoredRequest): Promise<void> {
  const { calendar } = request.snapshot;
  const at = deletionMoment(calendar, deps.policy.timezone, request.requestedAt, request.requestedOn);
  if (!at) return;
  const jobs = [{ kind: DELETE_JOB, key: `${DELETE_JOB}:${request.id}`, runAt: at, requestId: request.id, payload: { requestId: request.id } }];
  const before = addDuration(at, negate(calendar.deletionReminder ?? { days: 7 }), deps.policy.timezone);
  jobs.push({ kind: DELETE_REMINDER_JOB, key: `${DELETE_REMINDER_JOB}:${request.id}`, runAt: nextBusinessMoment(before, deps.policy.reminders, deps.policy.timezone), requestId: request.id, payload: { requestId: request.id } });
  await tx.jobs.schedule(jobs);
}

function negate(duration: PolicyDuration): PolicyDuration {
  return Object.fromEntries(Object.entries(duration).map(([k, v]) => [k, -(v ?? 0)])) as PolicyDuration;
}

/** A reactivation before deletion: the scheduled deletion is no longer wanted. */
export async function cancelDeletion(tx: Pick<Repositories, "jobs">, requestId: string): Promise<void> {
  await tx.jobs.cancel(requestId, [DELETE_JOB, DELETE_REMINDER_JOB]);
}

export type DeletionOutcome =
  | { status: "skipped" }
  | { status: "waiting"; missing: string[]; retryAt: Date }
  | { status: "deleted" };

/**
 * The deletion job's work: nothing if the client came back (or its data is
 * gone already); wait, and say so, while a check it needs (a backup) is not
 * done; else the system of record scrubs the data, and it is recorded.
 */
export async function runDeletion(deps: ServiceDeps, requestId: string): Promise<DeletionOutcome> {
  const request = await deps.store.requests.find(requestId);
  if (!request || request.state !== "executed") return { status: "skipped" };
  const client = await deps.store.clients.get(request.clientId);
  if (client.status === "active" || client.dataDeletedAt) return { status: "skipped" };
  const now = deps.clock.now();
  const missing = missingForDeletion(request);
  if (missing.length > 0) {
    const retryAt = nextBusinessMoment(addDuration(now, { days: 1 }, deps.policy.timezone), deps.policy.reminders, deps.policy.timezone);
    await deps.store.transaction(async (tx) => {
      await tx.jobs.schedule([{ kind: DELETE_JOB, key: `${DELETE_JOB}:${requestId}:${retryAt.toISOString()}`, runAt: retryAt, requestId, payload: { requestId } }]);
      await tx.audit.append([{ at: now, actor: "system", action: "deletion.waiting", requestId, clientId: client.id, data: { missing, retryAt } }]);
    });
    return { status: "waiting", missing, retryAt };
  }
  const keyBase = `${requestId}:delete_data`;
  const idempotencyKey = await attemptKeyOf(deps.store, { requestId }, DELETION_REFUSED, keyBase);
  let outcome: Awaited<ReturnType<ServiceDeps["sor"]["deleteClientData"]>>;
  try {
    outcome = await deps.sor.deleteClientData(client.ref, { actor: "system", at: now, idempotencyKey });
  } catch (error) {
    // A refusal ends this attempt: the job's retry is a new attempt, with a new key (attemptKeyOf counts these).
    if (error instanceof RefusedBySystemError) {
      await deps.store.transaction((tx) => tx.audit.append([{ at: now, actor: "system", action: DELETION_REFUSED, requestId, clientId: client.id, data: { keyBase, idempotencyKey, status: error.status, error: error.message.slice(0, 500) } }]));
    }
    throw error;
  }
  await deps.store.transaction(async (tx) => {
    await tx.clients.markDataDeleted(client.id, now);
    await tx.audit.append([{ at: now, actor: "system", action: "client.data_deleted", requestId, clientId: client.id, data: { outcome } }]);
  });
  return { status: "deleted" };
}
