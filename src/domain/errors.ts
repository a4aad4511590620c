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

export interface DomainError {
  readonly code: ErrorCode;
  /** Facts a message needs ("which check", "what is missing"); never prose. */
  readonly details?: Readonly<Record<string, unknown>>;
}

export type Result<T> = ({ ok: true } & T) | { ok: false; error: DomainError };

export function fail(code: ErrorCode, details?: Record<string, unknown>): { ok: false; error: DomainError } {
  return details ? { ok: false, error: { code, details } } : { ok: false, error: { code } };
}

/** Raised by services when a coded domain failure must cross an exception boundary. */
export class OffboardError extends Error {
  constructor(readonly error: DomainError) {
    super(error.code);
    this.name = "OffboardError";
  }
}
