import type { AuditAction } from "../domain/events.ts";
import { ConnectorError } from "../connectors/http.ts";
import { ClientNotInSystemError, RefusedBySystemError } from "../connectors/system-of-record.ts";
import type { Repositories } from "../db/store.ts";
import { ErrorCode, fail, type Result } from "../domain/errors.ts";

/** Whether an error is the system of record's answer (a refusal, a failure, no answer in time), not a bug of ours. */
export function isSystemOfRecordError(error: unknown): error is Error {
  return error instanceof RefusedBySystemError || error instanceof ConnectorError || error instanceof ClientNotInSystemError;
}

/**
 * A read from the system of record as a result: what it said (a refusal, a
 * failure, a timeout) becomes SOR.FAILED carrying its words, so the person
 * sees them instead of "something went wrong". Anything else still throws.
 */
export async function readSor<T>(read: () => Promise<T>): Promise<Result<{ value: T }>> {
  try {
    return { ok: true, value: await read() };
  } catch (error) {
    if (isSystemOfRecordError(error)) return sorFailed(error);
    throw error;
  }
}

export function sorFailed(error: Error) {
  const message = error.message.length > 500 ? `${error.message.slice(0, 500)}…` : error.message;
  return fail(ErrorCode.SystemOfRecordFailed, { error: message });
}

/**
 * The Idempotency-Key of the current attempt of a one-off action: `base`
 * until the system of record refuses it, then `<base>:<n>` for the n-th
 * attempt, n = refusals + 1, counted from the `refusedEvent` audit events
 * that carry this base. A retry after a timeout or a 5xx keeps the key; only
 * a refusal moves it on (as execution steps do, see execution.ts).
 */
export async function attemptKeyOf(db: Pick<Repositories, "audit">, where: { requestId?: string; clientId?: string }, refusedEvent: AuditAction, base: string): Promise<string> {
  const refusals = await db.audit.eventData(where, refusedEvent);
  const n = refusals.filter((data) => (data as { keyBase?: unknown } | null)?.keyBase === base).length;
  return n === 0 ? base : `${base}:${n + 1}`;
}
