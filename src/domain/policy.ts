import type { CalendarRules, CheckDefinition, DeletionNotice, DunningStep, Label, Messages, MessageText, ReactivationRule } from "./snapshot.ts";

export type { CheckDefinition, DeletionNotice, DunningStep, Label, Messages, MessageText, ReactivationRule };
import type { PolicyDuration } from "./duration.ts";

/**
 * The company's policy, as the rest of the app reads it (camelCase). Admins
 * write it as a snake_case YAML file: its format, and the mapping onto this
 * model, is config/policy-schema.ts; loading and line numbers, config/policy-file.ts.
 */

export const LANGUAGES = ["en", "es", "pt"] as const;
export type Language = (typeof LANGUAGES)[number];

/** Automatic checks, computed from the system of record or from approvals. */
export const AUTOMATIC_CHECKS = ["no_pending_charges", "no_equipment_out", "management_approval", "dunning_complete"] as const;
export type AutomaticCheck = (typeof AUTOMATIC_CHECKS)[number];

/** What an execution can do, in the order the policy lists them. */
export const ACTIONS = ["inactivate_client", "hold_invoices", "cancel_subscriptions", "keep_login_records", "send_to_collections"] as const;
export type Action = (typeof ACTIONS)[number];

/** Client facts a check's condition can test. */
export const CLIENT_FACTS = ["third_party", "hosted_database"] as const;
export interface ClientFacts {
  thirdParty: boolean;
  hostedDatabase: boolean;
}


export const DUNNING_CHANNELS = ["email", "phone", "whatsapp", "letter", "other"] as const;
export type DunningChannel = (typeof DUNNING_CHANNELS)[number];

/** How a step's message leaves: a person reviews and sends it (manual), or Offboard sends it when due (auto, email only). */
export const SEND_MODES = ["manual", "auto"] as const;
export type SendMode = (typeof SEND_MODES)[number];

export interface KindPolicy {
  id: string;
  label: Label;
  checks: CheckDefinition[];
  actions: Action[];
  reactivation: ReactivationRule;
  calendar: CalendarRules;
  dunning: DunningStep[];
  /** Loaned equipment still out (seed 001): "block" only, or also open an equipment-retrieval work order. */
  onEquipmentOut: "block" | "work_order";
  /** send_to_collections is skipped when this manual check is ticked (seed 002: credit notes issued instead). */
  collectionsUnless?: string;
  /** Seed 002: the email the client gets `before` its data is deleted (only in a kind whose data is deleted). */
  deletionNotice?: DeletionNotice;
}

export interface ApprovalRule {
  users: string[];
  usergroup?: string;
  required: number;
  allowSelfApproval: boolean;
}

/** When reminders may be posted, how often overdue steps are reminded, and when approvers are called in. */
export interface ReminderRules {
  businessHours: { days: number[]; from: string; to: string };
  repeatEvery: PolicyDuration;
  maxReminders: number;
}

export const DEFAULT_REMINDERS: ReminderRules = {
  businessHours: { days: [1, 2, 3, 4, 5], from: "09:00", to: "18:00" },
  repeatEvery: { days: 1 },
  maxReminders: 3,
};

export interface Policy {
  version: 1;
  company?: string;
  timezone: string;
  language: Language;
  channels: { requests: string; management: string };
  approvers: ApprovalRule;
  reminders: ReminderRules;
  kinds: Record<string, KindPolicy>;
  /** Where clients live: Offboard's own ledger, or the company's system over HTTP. */
  systemOfRecord: SystemOfRecordConfig;
  /** How messages reach clients; without it, nothing is sent by email. */
  messaging?: MessagingConfig;
}

export interface MessagingConfig {
  email?: EmailSettings;
}

/** Email over SMTP: the URL (a secret) is read from the environment variable named here, never written in the policy. */
export interface EmailSettings {
  /** e.g. OFFBOARD_SMTP_URL, holding smtps://user:pass@host:465 or smtp://host:587 (STARTTLS). */
  smtpUrlEnv: string;
  /** `Cobranzas <cobranzas@acme.uy>` or a bare address, as written. */
  from: string;
  replyTo?: string;
  bcc?: string[];
}

export type SystemOfRecordConfig =
  | { type: "ledger" }
  | { type: "http"; baseUrl: string; secretEnv: string; timeoutMs: number; retries: number };

/** The label in the reader's language, else the policy's, else any. */
export function labelFor(label: Label, language: Language, fallback: Language = "en"): string {
  if (typeof label === "string") return label;
  return label[language] ?? label[fallback] ?? label.en ?? label.es ?? label.pt ?? "";
}

/** Whether a check applies to a client: every fact its `when` lists has the value given. */
export function checkApplies(check: CheckDefinition, facts: ClientFacts): boolean {
  if (!check.when) return true;
  return Object.entries(check.when).every(([fact, value]) => facts[fact as keyof ClientFacts] === value);
}
