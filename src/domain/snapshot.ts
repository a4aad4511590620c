import { z } from "zod";
import { DEFAULT_CALENDAR } from "./calendar.ts";
import { ACTIONS, AUTOMATIC_CHECKS, DUNNING_CHANNELS, SEND_MODES } from "./policy.ts";

// What a request keeps of the policy it was opened under (its snapshot), as
// one schema: the domain's types for checks, dunning steps, calendars and
// reactivation rules are inferred from it, and the database reads every
// stored snapshot back through it (a row another version wrote fails loudly,
// not subtly). The policy FILE's format is config/policy-schema.ts.

const translations = z.object({ en: z.string().optional(), es: z.string().optional(), pt: z.string().optional() });
export const labelSchema = z.union([z.string(), translations]);

const durationSchema = z.object({
  years: z.number().optional(),
  months: z.number().optional(),
  weeks: z.number().optional(),
  days: z.number().optional(),
  hours: z.number().optional(),
  minutes: z.number().optional(),
  seconds: z.number().optional(),
});

export const checkDefinitionSchema = z.object({
  id: z.string(),
  label: labelSchema,
  type: z.enum(["manual", "automatic"]),
  automatic: z.enum(AUTOMATIC_CHECKS).optional(),
  /** Manual checks only: whether ticking needs a link or text as evidence. */
  evidence: z.enum(["required", "optional", "none"]),
  /** A check that is not required is shown but does not gate execution. */
  required: z.boolean(),
  /** The check applies only when every listed fact has the given value. */
  when: z.object({ thirdParty: z.boolean().optional(), hostedDatabase: z.boolean().optional() }).optional(),
});

export const calendarSchema = z.object({
  /** Requests before this day of the month stop next month's billing; on or after it, the month after. */
  notice: z.object({ cutoffDay: z.number().int() }).optional(),
  /** end_of_month: the last day of the last billed month (or of the request's month without a notice rule). */
  serviceEnds: z.union([z.object({ type: z.enum(["end_of_month", "immediately"]) }), z.object({ type: z.literal("after"), duration: durationSchema })]),
  /** end_of_following_month: the last day of the month after service ends. */
  dataDeletion: z.union([z.object({ type: z.enum(["never", "end_of_following_month"]) }), z.object({ type: z.literal("after_service_ends"), duration: durationSchema })]),
  /** before_deletion: up to the day before data is deleted. */
  reactivableUntil: z.union([z.object({ type: z.enum(["before_deletion", "always"]) }), z.object({ type: z.literal("after_service_ends"), duration: durationSchema })]),
  /** Checks data deletion waits for (a backup delivered or declined); ticked after inactivation, they do not gate it. */
  deletionWaitsFor: z.array(z.string()).optional(),
  /** How long before deletion the requester is reminded. */
  deletionReminder: durationSchema.optional(),
});

/** A message to the client in one language: an email has a subject, a WhatsApp text only a body (placeholders: domain/messages.ts). */
export const messageTextSchema = z.object({ subject: z.string().optional(), body: z.string() });
/** The same message in some of the languages; the contact's is used, else the policy's. */
export const messagesSchema = z.object({ en: messageTextSchema.optional(), es: messageTextSchema.optional(), pt: messageTextSchema.optional() });

/** Seed 002: the client is told by email, this long before its data is deleted. */
export const deletionNoticeSchema = z.object({ before: durationSchema, message: messagesSchema });

/** One step of a dunning ladder (seeds 000 and 002): collection emails, a call, a final notice. */
export const dunningStepSchema = z.object({
  id: z.string(),
  label: labelSchema,
  channel: z.enum(DUNNING_CHANNELS),
  /** Due this long after the request (first step, or `from: request`) or after the previous step. */
  after: durationSchema,
  from: z.enum(["request", "previous"]),
  /** The final notice announces the date access ends. */
  finalNotice: z.boolean(),
  /** The older, body-only form of `message` ({client} and {cutoff} only); a step has one or the other. */
  template: translations.optional(),
  /** What the client is sent (email and WhatsApp steps). */
  message: messagesSchema.optional(),
  /** manual: a person reviews and sends it; auto: Offboard sends it when due (email only). Steps stored before messages existed were manual. */
  send: z.enum(SEND_MODES).default("manual"),
});

export const reactivationSchema = z.object({
  allowed: z.boolean(),
  /** Only with nothing unpaid (seed 002: pay the month; seed 004: after debts are paid). */
  requiresPaid: z.boolean().optional(),
  /** After the data was deleted it is not a reactivation but a new start on these terms (seed 002). */
  restart: z.object({ monthsInAdvance: z.number().int() }).optional(),
});

export const snapshotSchema = z.object({
  kind: z.string(),
  label: labelSchema,
  /** Only the checks that applied to this client. */
  checks: z.array(checkDefinitionSchema),
  actions: z.array(z.enum(ACTIONS)),
  approvals: z.object({ required: z.number().int(), allowSelfApproval: z.boolean() }),
  reactivation: reactivationSchema,
  // Requests opened before calendars and dunning existed have neither.
  calendar: calendarSchema.default(DEFAULT_CALENDAR),
  dunning: z.array(dunningStepSchema).default([]),
  // Requests opened before work orders existed only blocked.
  onEquipmentOut: z.enum(["block", "work_order"]).default("block"),
  /** send_to_collections is skipped when this manual check is ticked (seed 002: credit notes issued instead). */
  collectionsUnless: z.string().optional(),
  /** The email the client gets before its data is deleted (seed 002); requests opened before it existed have none. */
  deletionNotice: deletionNoticeSchema.optional(),
});

export type Label = z.infer<typeof labelSchema>;
export type CheckDefinition = z.infer<typeof checkDefinitionSchema>;
export type CalendarRules = z.infer<typeof calendarSchema>;
export type DunningStep = z.infer<typeof dunningStepSchema>;
export type MessageText = z.infer<typeof messageTextSchema>;
export type Messages = z.infer<typeof messagesSchema>;
export type DeletionNotice = z.infer<typeof deletionNoticeSchema>;
export type ReactivationRule = z.infer<typeof reactivationSchema>;
/** What a request keeps of its policy (as read back, every default filled in). */
export type RequestSnapshot = z.output<typeof snapshotSchema>;
