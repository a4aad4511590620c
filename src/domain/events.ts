import { z } from "zod";
import { ACTIONS } from "./policy.ts";

// The audit trail's events: one shape per action, defined once. Producers
// write drafts (`AuditDraft`: the schemas' input, Dates allowed); readers get
// events parsed back from the stored JSON (`AuditEvent`: the schemas' output)
// and switch on `action` with no casts. An event this version does not know,
// or whose data does not have its shape (written by another version), reads as
// `{ action, known: false }`: shown as it is, never guessed at.

/** A moment: a Date when written, its ISO text once stored. */
const instant = z.union([z.date(), z.iso.datetime({ offset: true })]).transform((value) => new Date(value));
const id = z.string();
const reason = z.string().nullable();
const action = z.enum(ACTIONS);
/** What the system of record answered (its own shape). */
const outcome = z.record(z.string(), z.unknown());
/** An attempt the system of record refused: the next attempt is a new one, with a new key (see sor-calls). */
const refusal = { keyBase: z.string(), idempotencyKey: z.string(), status: z.number() };
const imported = z.object({ file: z.string(), created: z.number(), updated: z.number() });

export const AUDIT_EVENTS = {
  "request.opened": z.object({
    kind: id,
    reason: z.string(),
    checks: z.array(id),
    skippedChecks: z.array(id),
    facts: z.object({ thirdParty: z.boolean(), hostedDatabase: z.boolean() }),
  }),
  "request.ready": z.object({}),
  "request.reopened": z.object({}),
  "request.approved": z.object({ approvals: z.number(), required: z.number() }),
  "request.rejected": z.object({ reason: z.string() }),
  "request.withdrawn": z.object({ reason }),
  "request.executed": z.object({ actions: z.array(action) }),
  /** A refusal kept on the trail (who may do what; ids no honest click carries). `claimedId`: an id naming no request. */
  "request.refused": z.object({ code: z.string(), state: z.string().optional(), claimedId: z.string().optional() }),
  /** A signed interaction Slack would never send. */
  "interaction.refused": z.object({ reason: z.literal("malformed"), actionId: z.string().nullable(), value: z.string().nullable() }),

  "check.ticked": z.object({ checkId: id, evidence: reason.optional() }),
  "check.unticked": z.object({ checkId: id, previouslyTickedBy: z.string().nullable(), previousEvidence: reason, by: z.string() }),
  "check.evaluated": z.object({ checkId: id, status: z.enum(["pending", "done", "failed"]), detail: z.record(z.string(), z.unknown()).nullable() }),

  "execution.started": z.object({ actions: z.array(action), by: z.string() }),
  "execution.action_done": z.object({ action, idempotencyKey: z.string(), outcome }),
  "execution.action_refused": z.object({ action, idempotencyKey: z.string(), status: z.number() }),
  "execution.failed": z.object({ failedAction: action, error: z.string() }),
  "execution.resumed": z.object({ for: z.string() }),

  "work_order.created": z.object({
    number: z.string(),
    kind: z.literal("equipment_retrieval"),
    items: z.array(z.object({ serial: z.string(), description: z.string() })),
  }),
  "work_order.failed": z.object({ kind: z.literal("equipment_retrieval"), error: z.string() }),
  "work_order.refused": z.object({ kind: z.literal("equipment_retrieval"), ...refusal }),
  "invoices.released": z.object({ released: z.array(z.string()) }),

  "client.reactivated": z.object({
    afterRequest: z.string().nullable(),
    unchanged: z.object({ invoicesOnHold: z.boolean(), subscriptionsCancelled: z.boolean() }),
    outcome: outcome.optional(),
  }),
  "reactivation.refused": z.object({ ...refusal, error: z.string() }),

  "dunning.step_done": z.object({ stepId: id, evidence: z.string() }),
  "dunning.snoozed": z.object({ stepId: id, until: instant }),
  "dunning.reassigned": z.object({ stepId: id, from: z.string(), to: z.string() }),
  "dunning.stopped": z.object({ outcome: z.enum(["answered", "paid"]) }),
  "dunning.reminded": z.object({ stepId: id, count: z.number(), escalate: z.boolean() }),

  "deletion.waiting": z.object({ missing: z.array(id), retryAt: instant }),
  "deletion.refused": z.object({ ...refusal, error: z.string().optional() }),
  "client.data_deleted": z.object({ outcome }),

  "clients.imported": imported,
  "invoices.imported": imported,
  "equipment.imported": imported,
  "contacts.imported": imported,
} as const;

type Schemas = typeof AUDIT_EVENTS;
export type AuditAction = keyof Schemas;

/** An event as a producer writes it, before it gets its sequence number and hash. */
export type AuditDraft = { [A in AuditAction]: { action: A; data: z.input<Schemas[A]> } }[AuditAction];

/** An event read back from the trail, its data in its shape. */
export type KnownAuditEvent = { [A in AuditAction]: { action: A; known: true; data: z.output<Schemas[A]> } }[AuditAction];
export type AuditEvent = KnownAuditEvent | { action: string; known: false; data: unknown };

/** The data of one action's event as read back. */
export type AuditData<A extends AuditAction> = z.output<Schemas[A]>;

/** The draft of one action (for producers that build events generically). */
export type DraftOf<A extends AuditAction> = Extract<AuditDraft, { action: A }>;

export function isAuditAction(action: string): action is AuditAction {
  return Object.hasOwn(AUDIT_EVENTS, action);
}

/** Reads a stored event's data in its action's shape. */
export function readAuditEvent(event: { action: string; data: unknown }): AuditEvent {
  if (!isAuditAction(event.action)) return { action: event.action, known: false, data: event.data };
  const parsed = AUDIT_EVENTS[event.action].safeParse(event.data ?? {});
  if (!parsed.success) return { action: event.action, known: false, data: event.data };
  return { action: event.action, known: true, data: parsed.data } as KnownAuditEvent;
}
