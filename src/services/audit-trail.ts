import type { Repositories } from "../db/store.ts";
import { ErrorCode, type DomainError } from "../domain/errors.ts";
import type { AuditDraft, DeactivationRequest } from "../domain/request.ts";
import type { ServiceDeps } from "./deps.ts";

/**
 * Refusals kept on the audit trail: who may do what, and ids no honest click
 * carries (a check or step the request does not have, a closed request's
 * buttons replayed). Other refusals (not ready yet, evidence missing) are just answered.
 */
const AUDITED_REFUSALS = new Set<string>([
  ErrorCode.NotApprover,
  ErrorCode.ReleaseNotAllowed,
  ErrorCode.SelfApproval,
  ErrorCode.NotAllowedToWithdraw,
  ErrorCode.RequestClosed,
  ErrorCode.CheckUnknown,
  ErrorCode.StepUnknown,
]);

/** A request's events on the audit trail, in the caller's transaction. */
export function audit(tx: Pick<Repositories, "audit">, request: Pick<DeactivationRequest, "id" | "clientId">, actor: string, at: Date, events: AuditDraft[]) {
  return tx.audit.append(
    events.map((e) => ({ ...e, at, actor, requestId: request.id, clientId: request.clientId })),
  );
}

/**
 * A refusal inside a change's transaction, kept on the audit trail when it is
 * one of AUDITED_REFUSALS. An id that names no request was forged or comes from
 * elsewhere: it is kept as data, since it is no request's.
 */
export async function refuse(tx: Pick<Repositories, "audit">, requestId: string, request: DeactivationRequest | null, actor: string, at: Date, error: DomainError) {
  if (!request) {
    await tx.audit.append([{ at, actor, action: "request.refused", requestId: null, clientId: null, data: { code: error.code, claimedId: requestId.slice(0, 100) } }]);
  } else if (AUDITED_REFUSALS.has(error.code)) {
    await audit(tx, request, actor, at, [{ action: "request.refused", data: { code: error.code, state: request.state } }]);
  }
  return { ok: false as const, error };
}

/** A signed interaction Slack would never send (a forged or unreadable value): no request to attach it to, so it is kept as data. */
export function auditMalformedInteraction(deps: Pick<ServiceDeps, "store">, at: Date, actor: string, actionId: string | null, value: string | null) {
  return deps.store.transaction((tx) =>
    tx.audit.append([{ at, actor, action: "interaction.refused", data: { reason: "malformed", actionId: actionId?.slice(0, 100) ?? null, value: value?.slice(0, 200) ?? null } }]),
  );
}
