import type { Contact } from "../domain/contacts.ts";

/**
 * The system of record: where clients, their contacts, invoices, subscriptions
 * and loaned equipment live. The built-in ledger implements it on Offboard's own
 * database; the HTTP connector implements it over a company's own system.
 * Clients are identified by their ref, which both sides share.
 */

export interface ClientRecord {
  id: string;
  ref: string;
  name: string;
  status: "active" | "inactive";
  thirdParty: boolean;
  hostedDatabase: boolean;
  inactivatedAt: Date | null;
  inactivatedBy: string | null;
  inactivationReason: string | null;
}

export interface PendingCharge {
  number: string;
  amountMinor: bigint;
  currency: string;
  /** YYYY-MM-DD */
  dueOn: string;
}

export interface LoanedEquipment {
  serial: string;
  description: string;
}

/** One of the client's people Offboard may write to (the shape is the domain's: domain/contacts.ts). */
export type { Contact } from "../domain/contacts.ts";

export interface WorkOrderInput {
  kind: "equipment_retrieval";
  items: LoanedEquipment[];
}

export interface ActionContext {
  /** Who the action is done for (Slack user id or `system`). */
  actor: string;
  at: Date;
  reason?: string;
  /**
   * Identifies one attempt of one action: sent again unchanged when the
   * attempt is retried (a timeout, 5xx, 429, a process that died), replaced
   * by a new one only after the system of record refused (RefusedBySystemError).
   */
  idempotencyKey: string;
}

/** What an action did, as facts for the audit trail and the card. */
export type ActionOutcome = Record<string, unknown>;

export interface SystemOfRecord {
  readonly name: string;
  /** Exact ref first, then names, accent- and case-insensitive. */
  findClients(query: string, limit: number): Promise<ClientRecord[]>;
  getClient(ref: string): Promise<ClientRecord | null>;
  pendingCharges(ref: string): Promise<PendingCharge[]>;
  equipmentOut(ref: string): Promise<LoanedEquipment[]>;
  /** The client's active contacts, the primary one first; [] when it has none. */
  contacts(ref: string): Promise<Contact[]>;
  inactivateClient(ref: string, context: ActionContext): Promise<ActionOutcome>;
  reactivateClient(ref: string, context: ActionContext): Promise<ActionOutcome>;
  /** Puts open invoices on hold (their reminders stop); they stay on hold after a reactivation. */
  holdInvoices(ref: string, context: ActionContext): Promise<ActionOutcome>;
  /** Irreversible. */
  cancelSubscriptions(ref: string, context: ActionContext): Promise<ActionOutcome>;
  /**
   * The client's service logins, kept linked after the contract is cancelled
   * (seed 001: the regulator's report needs them); returned to be recorded.
   */
  keepLoginRecords(ref: string, context: ActionContext): Promise<ActionOutcome>;
  /** Takes the client's invoices off hold (seed 003: someone decides to, after a reactivation). */
  releaseInvoices(ref: string, context: ActionContext): Promise<ActionOutcome>;
  /** Hands the client's open invoices to the collections agency. */
  sendToCollections(ref: string, context: ActionContext): Promise<ActionOutcome>;
  /** Opens a work order (an equipment retrieval); the idempotency key makes it once per request. */
  createWorkOrder(ref: string, order: WorkOrderInput, context: ActionContext): Promise<{ number: string }>;
  /** Scrubs the client's personal data on the policy's deletion date; the client itself stays (invoices reference it). */
  deleteClientData(ref: string, context: ActionContext): Promise<ActionOutcome>;
}

export class ClientNotInSystemError extends Error {
  constructor(readonly ref: string) {
    super(`no client with ref "${ref}" in the system of record`);
    this.name = "ClientNotInSystemError";
  }
}

/**
 * The system of record refused an action or a read (HTTP 4xx other than 429):
 * it did nothing. Its reason is shown as it came; the next attempt of that
 * action is a new attempt, with a new idempotency key.
 */
export class RefusedBySystemError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = "RefusedBySystemError";
  }
}
