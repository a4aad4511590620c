import { z } from "zod";
import { DEFAULT_CALENDAR, type CalendarRules } from "./calendar.ts";
import { durationMs, parseDuration, type PolicyDuration } from "./duration.ts";

/**
 * The company's policy: the model, and the zod schema of the policy file that
 * produces it. The file is written by admins in snake_case YAML; the model is
 * camelCase. Loading and reporting line numbers is config/policy-file.ts.
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

export type Label = string | Partial<Record<Language, string>>;

export interface CheckDefinition {
  id: string;
  label: Label;
  type: "manual" | "automatic";
  automatic?: AutomaticCheck;
  /** Manual checks only: whether ticking needs a link or text as evidence. */
  evidence: "required" | "optional" | "none";
  /** A check that is not required is shown but does not gate execution. */
  required: boolean;
  /** The check applies only when every listed fact has the given value. */
  when?: Partial<ClientFacts>;
}

export const DUNNING_CHANNELS = ["email", "phone", "whatsapp", "letter", "other"] as const;
export type DunningChannel = (typeof DUNNING_CHANNELS)[number];

/** Placeholders a final notice's template may use. */
export const TEMPLATE_FIELDS = ["client", "cutoff"] as const;

/** One step of a dunning ladder (seeds 000 and 002): collection emails, a call, a final notice. */
export interface DunningStep {
  id: string;
  label: Label;
  channel: DunningChannel;
  /** Due this long after the request (first step, or `from: request`) or after the previous step. */
  after: PolicyDuration;
  from: "request" | "previous";
  /** The final notice announces the date access ends. */
  finalNotice: boolean;
  template?: Partial<Record<Language, string>>;
}

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
}

export interface ReactivationRule {
  allowed: boolean;
  /** Only with nothing unpaid (seed 002: pay the month; seed 004: after debts are paid). */
  requiresPaid?: boolean;
  /** After the data was deleted it is not a reactivation but a new start on these terms (seed 002). */
  restart?: { monthsInAdvance: number };
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
}

export type SystemOfRecordConfig =
  | { type: "ledger" }
  | { type: "http"; baseUrl: string; secretEnv: string; timeoutMs: number; retries: number };

/** A value as a policy's reader wrote it, for messages: `"later"`, `3`, `a list`, `a mapping`. */
export function shownValue(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return String(value);
}

/** The message for a value that is none of a setting's accepted forms. */
export function notAccepted(value: unknown, accepted: string): string {
  return value === undefined ? `required: use ${accepted}` : `${shownValue(value)} is not accepted: use ${accepted}`;
}

/** A setting with a few accepted forms: a value that fits none of them is told which they are. */
function oneOf<const T extends readonly [z.core.SomeType, ...z.core.SomeType[]]>(accepted: string, options: T) {
  return z.union(options, { error: (issue) => (issue.code === "invalid_union" ? notAccepted(issue.input, accepted) : undefined) });
}

/**
 * Reports every id listed twice. It runs even when other entries of the list
 * are wrong (`when`), so a duplicate is reported with every other problem of
 * the file; entries that failed to parse still carry the id as written.
 */
function uniqueIds(what: string, key = "id") {
  return [
    (entries: readonly unknown[], ctx: z.core.$RefinementCtx<readonly unknown[]>) => {
      // With `when`, this also sees a value that is not a list at all (already reported as such).
      if (!Array.isArray(entries)) return;
      const first = new Map<string, number>();
      entries.forEach((entry, index) => {
        const id = typeof entry === "string" ? entry : entry && typeof entry === "object" ? (entry as Record<string, unknown>)[key] : undefined;
        if (typeof id !== "string") return;
        const seen = first.get(id);
        if (seen === undefined) first.set(id, index);
        else ctx.addIssue({ code: "custom", path: typeof entry === "string" ? [index] : [index, key], message: what.replace("{id}", id).replace("{first}", String(seen)) });
      });
    },
    { when: () => true },
  ] as const;
}

const ID = /^[a-z][a-z0-9_]{0,62}$/;
const idSchema = z.string().regex(ID, "use lower_snake_case: a letter, then letters, digits or _ (at most 63)");
const slackChannel = z.string().regex(/^[CG][A-Z0-9]{2,}$/, "a Slack channel id such as C0123ABCD (not #name)");
const slackUser = z.string().regex(/^[UW][A-Z0-9]{2,}$/, "a Slack user id such as U0123ABCD");
const slackGroup = z.string().regex(/^S[A-Z0-9]{2,}$/, "a Slack user group id such as S0123ABCD");
const text = (max: number) => z.string().trim().min(1, "must not be empty").max(max, `at most ${max} characters`);

const labelSchema: z.ZodType<Label> = oneOf("text, or { en: TEXT, es: TEXT, pt: TEXT }", [
  text(150),
  z
    .strictObject({ en: text(150).optional(), es: text(150).optional(), pt: text(150).optional() })
    .refine((l) => l.en ?? l.es ?? l.pt, "give the label in at least one of en, es, pt"),
]);

const timezoneSchema = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return tz.includes("/") || tz === "UTC";
  } catch {
    return false;
  }
}, "an IANA time zone such as America/Montevideo or UTC");

const checkSchema = z
  .strictObject({
    id: idSchema,
    label: labelSchema,
    automatic: z.enum(AUTOMATIC_CHECKS).optional(),
    evidence: z.enum(["required", "optional", "none"]).optional(),
    required: z.boolean().default(true),
    when: z
      .strictObject({ third_party: z.boolean().optional(), hosted_database: z.boolean().optional() })
      .refine((w) => Object.keys(w).length > 0, "list at least one fact (third_party, hosted_database)")
      .optional(),
  })
  .superRefine((c, ctx) => {
    if (c.automatic && c.evidence && c.evidence !== "none") {
      ctx.addIssue({ code: "custom", path: ["evidence"], message: "automatic checks take no evidence" });
    }
  })
  .transform(
    (c): CheckDefinition => ({
      id: c.id,
      label: c.label,
      type: c.automatic ? "automatic" : "manual",
      ...(c.automatic ? { automatic: c.automatic } : {}),
      evidence: c.automatic ? "none" : (c.evidence ?? "optional"),
      required: c.required,
      ...(c.when
        ? {
            when: {
              ...(c.when.third_party !== undefined ? { thirdParty: c.when.third_party } : {}),
              ...(c.when.hosted_database !== undefined ? { hostedDatabase: c.when.hosted_database } : {}),
            },
          }
        : {}),
    }),
  );

const DURATIONS = "45s, 30m, 36h, 7d, 2w or ISO 8601 such as P7D, PT36H, P1M";
const durationSchema = z.string({ error: (issue) => (issue.input === undefined ? `required: a duration such as 7d` : `${shownValue(issue.input)} is not a duration: use ${DURATIONS}`) }).transform((text, ctx) => {
  const duration = parseDuration(text);
  if (!duration) {
    ctx.addIssue({ code: "custom", message: `"${text}" is not a duration: use ${DURATIONS}` });
    return z.NEVER;
  }
  return duration;
});
const afterSchema = z.strictObject({ after: durationSchema });
/** Index = JavaScript's getDay(). */
const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "a time as HH:MM, 24-hour");
const afterServiceSchema = z.strictObject({ after_service_ends: durationSchema });

const calendarSchema = z
  .strictObject({
    notice: z.strictObject({ cutoff_day: z.number().int().min(1).max(28, "at most 28, a day every month has") }).optional(),
    service_ends: oneOf("end_of_month | immediately | { after: DURATION }", [z.enum(["end_of_month", "immediately"]), afterSchema]).default("immediately"),
    data_deletion: oneOf("never | end_of_following_month | { after_service_ends: DURATION }", [z.enum(["never", "end_of_following_month"]), afterServiceSchema]).default("never"),
    deletion_waits_for: z.array(idSchema).max(10).default([]),
    deletion_reminder: durationSchema.default({ days: 7 }),
  })
  .transform(
    (c): Omit<CalendarRules, "reactivableUntil"> => ({
      ...(c.notice ? { notice: { cutoffDay: c.notice.cutoff_day } } : {}),
      serviceEnds: typeof c.service_ends === "string" ? { type: c.service_ends } : { type: "after", duration: c.service_ends.after },
      dataDeletion:
        typeof c.data_deletion === "string" ? { type: c.data_deletion } : { type: "after_service_ends", duration: c.data_deletion.after_service_ends },
      ...(c.deletion_waits_for.length ? { deletionWaitsFor: c.deletion_waits_for } : {}),
      deletionReminder: c.deletion_reminder,
    }),
  );

const templateSchema = z
  .strictObject({ en: text(2000).optional(), es: text(2000).optional(), pt: text(2000).optional() })
  .transform((template, ctx) => {
    for (const [language, body] of Object.entries(template)) {
      for (const [, name] of (body ?? "").matchAll(/\{(\w+)\}/g)) {
        if (!(TEMPLATE_FIELDS as readonly string[]).includes(name!)) {
          ctx.addIssue({ code: "custom", path: [language], message: `unknown placeholder {${name}}: use ${TEMPLATE_FIELDS.map((f) => `{${f}}`).join(", ")}` });
        }
      }
    }
    return template;
  });

const dunningStepSchema = z
  .strictObject({
    id: idSchema,
    label: labelSchema,
    channel: z.enum(DUNNING_CHANNELS),
    after: durationSchema,
    from: z.enum(["request", "previous"]).default("previous"),
    final_notice: z.boolean().default(false),
    template: templateSchema.optional(),
  })
  .transform(
    (d): DunningStep => ({
      id: d.id,
      label: d.label,
      channel: d.channel,
      after: d.after,
      from: d.from,
      finalNotice: d.final_notice,
      ...(d.template ? { template: d.template } : {}),
    }),
  );

const kindSchema = z
  .strictObject({
    label: labelSchema,
    checks: z
      .array(checkSchema)
      .max(40, "at most 40 checks per kind (a Slack card has room for 50 blocks)")
      .superRefine(...uniqueIds('duplicate check id "{id}" (first at checks[{first}]): give each check its own id'))
      .default([]),
    actions: z
      .array(z.enum(ACTIONS))
      .min(1, "list at least one action (e.g. inactivate_client)")
      .superRefine(...uniqueIds('"{id}" is listed twice: list each action once')),
    reactivation: z
      .strictObject({
        allowed: z.boolean().default(true),
        until: oneOf("always | before_deletion | { after_service_ends: DURATION }", [z.enum(["before_deletion", "always"]), afterServiceSchema]).default("always"),
        requires_paid: z.boolean().default(false),
        after_deletion: z.strictObject({ months_in_advance: z.number().int().min(0).max(24) }).optional(),
      })
      .default({ allowed: true, until: "always", requires_paid: false }),
    calendar: calendarSchema.optional(),
    dunning: z
      .array(dunningStepSchema)
      .max(20, "at most 20 dunning steps")
      .superRefine(...uniqueIds('duplicate step id "{id}" (first at dunning[{first}]): give each step its own id'))
      .default([]),
    on_equipment_out: z.enum(["block", "work_order"], "block or work_order").default("block"),
    collections: z.strictObject({ unless_check: idSchema }).optional(),
  })
  .transform((k) => ({
    label: k.label,
    checks: k.checks,
    actions: k.actions,
    reactivation: {
      allowed: k.reactivation.allowed,
      ...(k.reactivation.requires_paid ? { requiresPaid: true } : {}),
      ...(k.reactivation.after_deletion ? { restart: { monthsInAdvance: k.reactivation.after_deletion.months_in_advance } } : {}),
    },
    calendar: {
      ...(k.calendar ?? DEFAULT_CALENDAR),
      reactivableUntil:
        typeof k.reactivation.until === "string"
          ? { type: k.reactivation.until }
          : { type: "after_service_ends" as const, duration: k.reactivation.until.after_service_ends },
    } satisfies CalendarRules,
    dunning: k.dunning,
    onEquipmentOut: k.on_equipment_out,
    ...(k.collections ? { collectionsUnless: k.collections.unless_check } : {}),
  }));

export const policySchema = z
  .strictObject({
    version: z.literal(1, { error: (issue) => (issue.input === undefined ? "required: write version: 1 at the top" : "the only policy version is 1") }),
    company: text(100).optional(),
    timezone: timezoneSchema,
    language: z.enum(LANGUAGES),
    channels: z.strictObject({ requests: slackChannel, management: slackChannel }),
    approvers: z
      .strictObject({
        users: z.array(slackUser).default([]),
        usergroup: slackGroup.optional(),
        required: z.number().int().min(1).max(10).default(1),
        allow_self_approval: z.boolean().default(false),
      })
      .refine((a) => a.users.length > 0 || a.usergroup, "name approvers: users, a usergroup, or both"),
    reminders: z
      .strictObject({
        business_hours: z
          .strictObject({
            days: z.array(z.enum(WEEKDAYS)).min(1).default(["mon", "tue", "wed", "thu", "fri"]),
            from: clockTime.default("09:00"),
            to: clockTime.default("18:00"),
          })
          .refine((h) => h.from < h.to, "from must be before to")
          .default({ days: ["mon", "tue", "wed", "thu", "fri"], from: "09:00", to: "18:00" }),
        repeat_every: durationSchema.default({ days: 1 }),
        max_reminders: z.number().int().min(1).max(20).default(3),
      })
      .optional(),
    kinds: z.record(idSchema, kindSchema).refine((k) => Object.keys(k).length > 0, "define at least one kind"),
    system_of_record: z
      .discriminatedUnion("type", [
        z.strictObject({ type: z.literal("ledger") }),
        z.strictObject({
          type: z.literal("http"),
          base_url: z.url({ protocol: /^https?$/, error: "an http(s) URL such as https://billing.example.com/offboard/" }),
          secret_env: z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/, "the NAME of an environment variable holding the shared secret, e.g. OFFBOARD_SOR_SECRET"),
          timeout: durationSchema.default({ seconds: 10 }),
          retries: z.number().int().min(0).max(10).default(3),
        }),
      ], { error: (issue) => (issue.code === "invalid_union" ? undefined : notAccepted(issue.input, "{ type: ledger } or { type: http, base_url: URL, secret_env: NAME }")) })
      .default({ type: "ledger" }),
  })
  // Cross-field rules run as a transform: zod runs transforms only on data whose shape is valid,
  // while a refinement would also see half-parsed values. (Ids listed twice are checked where
  // they are listed, so they are reported with every other problem: see uniqueIds.)
  .transform((p, ctx) => {
    if (p.approvers.usergroup === undefined && p.approvers.required > p.approvers.users.length) {
      ctx.addIssue({
        code: "custom",
        path: ["approvers", "required"],
        message: `${p.approvers.required} distinct approvals required but only ${p.approvers.users.length} approver(s) listed`,
      });
    }
    for (const [kindId, kind] of Object.entries(p.kinds)) {
      for (const [index, checkId] of (kind.calendar.deletionWaitsFor ?? []).entries()) {
        const check = kind.checks.find((c) => c.id === checkId);
        if (!check || check.type !== "manual") {
          ctx.addIssue({ code: "custom", path: ["kinds", kindId, "calendar", "deletion_waits_for", index], message: `"${checkId}" is not a manual check of this kind` });
        }
      }
      if ((kind.calendar.deletionWaitsFor ?? []).length > 0 && kind.calendar.dataDeletion.type === "never") {
        ctx.addIssue({ code: "custom", path: ["kinds", kindId, "calendar", "deletion_waits_for"], message: "data is never deleted in this kind: nothing waits for these checks" });
      }
      const gates = kind.checks.some((c) => c.automatic === "dunning_complete");
      if (kind.dunning.length > 0 && !gates) {
        ctx.addIssue({ code: "custom", path: ["kinds", kindId, "checks"], message: "a kind with a dunning ladder needs a check with automatic: dunning_complete, so execution waits for the ladder" });
      }
      if (kind.dunning.length === 0 && gates) {
        ctx.addIssue({ code: "custom", path: ["kinds", kindId, "dunning"], message: "the dunning_complete check needs a dunning ladder" });
      }
      if (kind.calendar.reactivableUntil.type === "before_deletion" && kind.calendar.dataDeletion.type === "never") {
        ctx.addIssue({ code: "custom", path: ["kinds", kindId, "reactivation", "until"], message: "before_deletion needs calendar.data_deletion (it is never)" });
      }
      if (kind.collectionsUnless !== undefined) {
        const check = kind.checks.find((c) => c.id === kind.collectionsUnless);
        if (!check || check.type !== "manual") {
          ctx.addIssue({ code: "custom", path: ["kinds", kindId, "collections", "unless_check"], message: `"${kind.collectionsUnless}" is not a manual check of this kind` });
        }
        if (!kind.actions.includes("send_to_collections")) {
          ctx.addIssue({ code: "custom", path: ["kinds", kindId, "collections"], message: "collections settings need the send_to_collections action" });
        }
      }
    }
    if (p.system_of_record.type === "http") {
      const timeout = durationMs(p.system_of_record.timeout);
      // An action's attempts must end well within the 5 minutes another process waits before taking it over.
      if (timeout === null || timeout < 1000 || timeout * (p.system_of_record.retries + 1) > 240_000) {
        ctx.addIssue({ code: "custom", path: ["system_of_record", "timeout"], message: "a timeout of seconds or minutes, at least 1s, and timeout × (retries + 1) at most 4 minutes" });
      }
    }
    return p;
  })
  .transform(
    (p): Policy => ({
      version: 1,
      ...(p.company ? { company: p.company } : {}),
      timezone: p.timezone,
      language: p.language,
      channels: p.channels,
      systemOfRecord:
        p.system_of_record.type === "ledger"
          ? { type: "ledger" }
          : {
              type: "http",
              baseUrl: p.system_of_record.base_url.endsWith("/") ? p.system_of_record.base_url : `${p.system_of_record.base_url}/`,
              secretEnv: p.system_of_record.secret_env,
              timeoutMs: durationMs(p.system_of_record.timeout) ?? 10_000,
              retries: p.system_of_record.retries,
            },
      approvers: {
        users: p.approvers.users,
        ...(p.approvers.usergroup ? { usergroup: p.approvers.usergroup } : {}),
        required: p.approvers.required,
        allowSelfApproval: p.approvers.allow_self_approval,
      },
      reminders: p.reminders
        ? {
            businessHours: {
              days: p.reminders.business_hours.days.map((d) => WEEKDAYS.indexOf(d)),
              from: p.reminders.business_hours.from,
              to: p.reminders.business_hours.to,
            },
            repeatEvery: p.reminders.repeat_every,
            maxReminders: p.reminders.max_reminders,
          }
        : DEFAULT_REMINDERS,
      kinds: Object.fromEntries(Object.entries(p.kinds).map(([id, k]) => [id, { id, ...k }])),
    }),
  );

/** The label in the reader's language, else the policy's, else any. */
export function labelFor(label: Label, language: Language, fallback: Language = "en"): string {
  if (typeof label === "string") return label;
  return label[language] ?? label[fallback] ?? label.en ?? label.es ?? label.pt ?? "";
}

export function checkApplies(check: CheckDefinition, facts: ClientFacts): boolean {
  if (!check.when) return true;
  return Object.entries(check.when).every(([fact, value]) => facts[fact as keyof ClientFacts] === value);
}
