import type { Action } from "./policy.ts";
import type { Missing, RequestState } from "./request.ts";

/**
 * Expected failures of the domain, as codes. Services return them, listeners
 * and the CLI translate them through the message catalog: never thrown strings.
 */
export const ErrorCode = {
  KindUnknown: "POLICY.KIND_UNKNOWN",
  ReasonRequired: "REQUEST.REASON_REQUIRED",
  RequestedOnInvalid: "REQUEST.REQUESTED_ON_INVALID",
  FieldTooLong: "REQUEST.FIELD_TOO_LONG",
  ClientNotFound: "CLIENT.NOT_FOUND",
  ClientAlreadyInactive: "CLIENT.ALREADY_INACTIVE",
  ClientAlreadyActive: "CLIENT.ALREADY_ACTIVE",
  RequestAlreadyOpen: "REQUEST.ALREADY_OPEN",
  RequestNotFound: "REQUEST.NOT_FOUND",
  RequestClosed: "REQUEST.CLOSED",
  RequestNotReady: "REQUEST.NOT_READY",
  RequestNotExecuting: "REQUEST.NOT_EXECUTING",
  ExecutionInProgress: "REQUEST.EXECUTION_IN_PROGRESS",
  ExecutionFailed: "EXECUTION.ACTION_FAILED",
  ExecutionScheduled: "REQUEST.EXECUTION_SCHEDULED",
  RequestChanged: "REQUEST.CHANGED_CONCURRENTLY",
  CheckUnknown: "CHECK.UNKNOWN",
  CheckAutomatic: "CHECK.AUTOMATIC",
  CheckAlreadyTicked: "CHECK.ALREADY_TICKED",
  CheckNotTicked: "CHECK.NOT_TICKED",
  EvidenceRequired: "CHECK.EVIDENCE_REQUIRED",
  EvidenceNotAccepted: "CHECK.EVIDENCE_NOT_ACCEPTED",
  ApprovalNotApplicable: "APPROVAL.NOT_APPLICABLE",
  NotApprover: "APPROVAL.NOT_APPROVER",
  ReleaseNotAllowed: "INVOICES.RELEASE_NOT_ALLOWED",
  SelfApproval: "APPROVAL.SELF_APPROVAL",
  AlreadyDecided: "APPROVAL.ALREADY_DECIDED",
  RejectReasonRequired: "APPROVAL.REASON_REQUIRED",
  NotAllowedToWithdraw: "REQUEST.NOT_ALLOWED_TO_WITHDRAW",
  ReactivationNotAllowed: "REACTIVATION.NOT_ALLOWED",
  ReactivationRestartRequired: "REACTIVATION.RESTART_REQUIRED",
  ReactivationWindowClosed: "REACTIVATION.WINDOW_CLOSED",
  ReactivationUnpaid: "REACTIVATION.UNPAID",
  LadderNone: "LADDER.NONE",
  LadderStopped: "LADDER.STOPPED",
  StepUnknown: "LADDER.STEP_UNKNOWN",
  StepAlreadyDone: "LADDER.STEP_ALREADY_DONE",
  SnoozeInvalid: "LADDER.SNOOZE_INVALID",
  /** The system of record refused a read or an action, failed, or did not answer in time; `error` says what it said. */
  SystemOfRecordFailed: "SOR.FAILED",
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The facts each refusal carries ("which check", "what is missing"); never prose. One shape per code, defined here. */
export interface ErrorDetails {
  [ErrorCode.KindUnknown]: { kind: string; known: string[] };
  [ErrorCode.ReasonRequired]: Record<string, never>;
  [ErrorCode.RequestedOnInvalid]: { requestedOn: string; today: string };
  [ErrorCode.FieldTooLong]: { field: string; max: number };
  [ErrorCode.ClientNotFound]: { ref: string };
  [ErrorCode.ClientAlreadyInactive]: Record<string, never>;
  [ErrorCode.ClientAlreadyActive]: Record<string, never>;
  [ErrorCode.RequestAlreadyOpen]: { requestId: string; number: number; state: RequestState };
  /** `requestId`: absent when a listener found no request to show. */
  [ErrorCode.RequestNotFound]: { requestId?: string };
  /** `state`: absent when a dunning ladder says so (it only knows it is no longer live). */
  [ErrorCode.RequestClosed]: { state?: RequestState };
  [ErrorCode.RequestNotReady]: { missing: Missing[] };
  [ErrorCode.RequestNotExecuting]: { state: RequestState };
  [ErrorCode.ExecutionInProgress]: Record<string, never>;
  [ErrorCode.ExecutionFailed]: { action: Action; error: string; done: Action[] };
  [ErrorCode.ExecutionScheduled]: { at: Date };
  [ErrorCode.RequestChanged]: { requestId: string };
  [ErrorCode.CheckUnknown]: { checkId: string };
  [ErrorCode.CheckAutomatic]: { checkId: string };
  [ErrorCode.CheckAlreadyTicked]: { checkId: string; by: string | null; at: Date | null };
  [ErrorCode.CheckNotTicked]: { checkId: string };
  [ErrorCode.EvidenceRequired]: { checkId: string } | { stepId: string };
  [ErrorCode.EvidenceNotAccepted]: { checkId: string };
  [ErrorCode.ApprovalNotApplicable]: { kind: string };
  [ErrorCode.NotApprover]: Record<string, never>;
  [ErrorCode.ReleaseNotAllowed]: Record<string, never>;
  [ErrorCode.SelfApproval]: Record<string, never>;
  [ErrorCode.AlreadyDecided]: { decision: "approve" | "reject"; by: string[]; at: Date };
  [ErrorCode.RejectReasonRequired]: Record<string, never>;
  [ErrorCode.NotAllowedToWithdraw]: Record<string, never>;
  [ErrorCode.ReactivationNotAllowed]: { kind: string };
  /** `monthsInAdvance` 0: the policy names no terms for a new start. */
  [ErrorCode.ReactivationRestartRequired]: { unpaid: string[]; monthsInAdvance: number };
  /** `until`: the last calendar day it was allowed (YYYY-MM-DD, the policy's time zone). */
  [ErrorCode.ReactivationWindowClosed]: { until: string };
  [ErrorCode.ReactivationUnpaid]: { unpaid: string[] };
  [ErrorCode.LadderNone]: Record<string, never>;
  [ErrorCode.LadderStopped]: { at: Date | null };
  [ErrorCode.StepUnknown]: Record<string, never>;
  [ErrorCode.StepAlreadyDone]: { by: string | null; at: Date | null };
  [ErrorCode.SnoozeInvalid]: { maxDays: number };
  [ErrorCode.SystemOfRecordFailed]: { error: string };
}

/** A coded refusal and its facts, discriminated by `code` (details are absent only where the code has none). */
export type DomainError = { [C in ErrorCode]: { readonly code: C; readonly details?: Readonly<ErrorDetails[C]> } }[ErrorCode];

export type Result<T> = ({ ok: true } & T) | { ok: false; error: DomainError };

export function fail<C extends ErrorCode>(code: C, ...[details]: {} extends ErrorDetails[C] ? [details?: ErrorDetails[C]] : [details: ErrorDetails[C]]): { ok: false; error: DomainError } {
  // The code and its details were checked together by the signature.
  const error = (details ? { code, details } : { code }) as DomainError;
  return { ok: false, error };
}

/** Raised by services when a coded domain failure must cross an exception boundary. */
export class OffboardError extends Error {
  constructor(readonly error: DomainError) {
    super(error.code);
    this.name = "OffboardError";
  }
}

/** One line for logs and failed jobs: the code, and what the system of record or the action said when it failed. */
export function describeDomainError(error: DomainError): string {
  switch (error.code) {
    case ErrorCode.SystemOfRecordFailed:
    case ErrorCode.ExecutionFailed:
      return error.details ? `${error.code}: ${error.details.error}` : error.code;
    default:
      return error.code;
  }
}
