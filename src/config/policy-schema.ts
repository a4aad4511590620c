import { z } from "zod";
import { DEFAULT_CALENDAR, type CalendarRules } from "../domain/calendar.ts";
import { durationMs, parseDuration } from "../domain/duration.ts";
import {
  ACTIONS,
  AUTOMATIC_CHECKS,
  DEFAULT_REMINDERS,
  DUNNING_CHANNELS,
  LANGUAGES,
  SEND_MODES,
  type CheckDefinition,
  type DunningStep,
  type EmailSettings,
  type KindPolicy,
  type Label,
  type Language,
  type Messages,
  type MessageText,
  type Policy,
  type ReminderRules,
  type SystemOfRecordConfig,
} from "../domain/policy.ts";
import { isPlaceholder, listPlaceholders, PLACEHOLDERS, placeholdersIn, TEMPLATE_PLACEHOLDERS } from "../domain/messages.ts";

/**
 * The policy file format: the zod schema of what admins write (snake_case
 * YAML, already parsed), its cross-field rules, and the mapping onto the
 * domain's camelCase model (domain/policy.ts). Reading the file and finding
 * line numbers is policy-file.ts.
 */

// ---------------------------------------------------------------- messages and helpers

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

// ---------------------------------------------------------------- values

const ID = /^[a-z][a-z0-9_]{0,62}$/;
const idSchema = z.string().regex(ID, "use lower_snake_case: a letter, then letters, digits or _ (at most 63)");
const slackChannel = z.string().regex(/^[CG][A-Z0-9]{2,}$/, "a Slack channel id such as C0123ABCD (not #name)");
const slackUser = z.string().regex(/^[UW][A-Z0-9]{2,}$/, "a Slack user id such as U0123ABCD");
const slackGroup = z.string().regex(/^S[A-Z0-9]{2,}$/, "a Slack user group id such as S0123ABCD");
const text = (max: number) => z.string().trim().min(1, "must not be empty").max(max, `at most ${max} characters`);

/** Text, or the same text in some of the languages. */
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

const DURATIONS = "45s, 30m, 36h, 7d, 2w or ISO 8601 such as P7D, PT36H, P1M";
/** `7d`, `PT36H`...: parsed into a duration (domain/duration.ts). */
const durationSchema = z.string({ error: (issue) => (issue.input === undefined ? `required: a duration such as 7d` : `${shownValue(issue.input)} is not a duration: use ${DURATIONS}`) }).transform((text, ctx) => {
  const duration = parseDuration(text);
  if (!duration) {
    ctx.addIssue({ code: "custom", message: `"${text}" is not a duration: use ${DURATIONS}` });
    return z.NEVER;
  }
  return duration;
});
const afterSchema = z.strictObject({ after: durationSchema });
const afterServiceSchema = z.strictObject({ after_service_ends: durationSchema });
/** Index = JavaScript's getDay(). */
const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "a time as HH:MM, 24-hour");

// ---------------------------------------------------------------- checks

/** The client facts a check needs, e.g. `{ third_party: true }`. */
const whenSchema = z
  .strictObject({ third_party: z.boolean().optional(), hosted_database: z.boolean().optional() })
  .refine((w) => Object.keys(w).length > 0, "list at least one fact (third_party, hosted_database)");

const checkShape = z
  .strictObject({
    id: idSchema,
    label: labelSchema,
    automatic: z.enum(AUTOMATIC_CHECKS).optional(),
    evidence: z.enum(["required", "optional", "none"]).optional(),
    required: z.boolean().default(true),
    when: whenSchema.optional(),
  })
  .superRefine((c, ctx) => {
    if (c.automatic && c.evidence && c.evidence !== "none") {
      ctx.addIssue({ code: "custom", path: ["evidence"], message: "automatic checks take no evidence" });
    }
  });

function toCheck(c: z.output<typeof checkShape>): CheckDefinition {
  return {
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
  };
}

const checkSchema = checkShape.transform(toCheck);

// ---------------------------------------------------------------- calendar

const calendarShape = z.strictObject({
  notice: z.strictObject({ cutoff_day: z.number().int().min(1).max(28, "at most 28, a day every month has") }).optional(),
  service_ends: oneOf("end_of_month | immediately | { after: DURATION }", [z.enum(["end_of_month", "immediately"]), afterSchema]).default("immediately"),
  data_deletion: oneOf("never | end_of_following_month | { after_service_ends: DURATION }", [z.enum(["never", "end_of_following_month"]), afterServiceSchema]).default("never"),
  deletion_waits_for: z.array(idSchema).max(10).default([]),
  deletion_reminder: durationSchema.default({ days: 7 }),
});

/** The kind's calendar, but for how long it stays reactivable (that is under `reactivation`). */
function toCalendar(c: z.output<typeof calendarShape>): Omit<CalendarRules, "reactivableUntil"> {
  return {
    ...(c.notice ? { notice: { cutoffDay: c.notice.cutoff_day } } : {}),
    serviceEnds: typeof c.service_ends === "string" ? { type: c.service_ends } : { type: "after", duration: c.service_ends.after },
    dataDeletion:
      typeof c.data_deletion === "string" ? { type: c.data_deletion } : { type: "after_service_ends", duration: c.data_deletion.after_service_ends },
    ...(c.deletion_waits_for.length ? { deletionWaitsFor: c.deletion_waits_for } : {}),
    deletionReminder: c.deletion_reminder,
  };
}

const calendarSchema = calendarShape.transform(toCalendar);

// ---------------------------------------------------------------- dunning

/**
 * A final notice's text per language, quoted by its reminder in the thread: the older, body-only
 * form of `message` (domain/messages.ts, stepMessages), with only {client} and {cutoff}.
 */
const templateSchema = z
  .strictObject({ en: text(2000).optional(), es: text(2000).optional(), pt: text(2000).optional() })
  .transform((template, ctx) => {
    for (const [language, body] of Object.entries(template)) {
      for (const name of placeholdersIn(body ?? "")) {
        if (!(TEMPLATE_PLACEHOLDERS as readonly string[]).includes(name)) {
          ctx.addIssue({ code: "custom", path: [language], message: `unknown placeholder {${name}}: use ${listPlaceholders(TEMPLATE_PLACEHOLDERS)}` });
        }
      }
    }
    return template;
  });

// ---------------------------------------------------------------- messages to clients

/** A placeholder that is not one of PLACEHOLDERS, named, with the list. (Where each may appear: the cross-field rules.) */
function knownPlaceholders(value: string, ctx: z.core.$RefinementCtx<string>): void {
  for (const name of placeholdersIn(value)) {
    if (!isPlaceholder(name)) ctx.addIssue({ code: "custom", message: `unknown placeholder {${name}}: use ${listPlaceholders(PLACEHOLDERS)}`, input: value });
  }
}

const SUBJECT_MAX = 200;
const BODY_MAX = 10_000;

/** One language of a message: `{ subject, body }` (a WhatsApp text: `{ body }`). */
const messageTextSchema = z.strictObject({
  subject: text(SUBJECT_MAX)
    .refine((subject) => !/[\r\n]/.test(subject), "a subject is one line")
    .superRefine(knownPlaceholders)
    .optional(),
  body: z
    .string({ error: (issue) => (issue.input === undefined ? "a message needs a body: the text the client reads" : undefined) })
    .trim()
    .min(1, "a message needs a body: the text the client reads")
    .max(BODY_MAX, `at most ${BODY_MAX} characters`)
    .superRefine(knownPlaceholders),
});

const LANGUAGE_LIST = "en, es or pt";

/**
 * `{ es: { subject, body }, en: {…}, pt: {…} }`. A key that is no language is reported at the
 * key itself, also when the rest of the message is wrong.
 */
const messagesSchema = z
  .record(z.string(), messageTextSchema)
  .superRefine(
    (messages, ctx) => {
      if (!messages || typeof messages !== "object" || Array.isArray(messages)) return;
      const keys = Object.keys(messages);
      if (keys.length === 0) ctx.addIssue({ code: "custom", message: `give the message in at least one language: ${LANGUAGE_LIST}` });
      for (const key of keys) {
        if (!(LANGUAGES as readonly string[]).includes(key)) {
          ctx.addIssue({ code: "custom", path: [key], message: `"${key}" is not a language: use ${LANGUAGE_LIST}`, params: { atKey: true } });
        }
      }
    },
    { when: () => true },
  )
  .transform((messages): Messages => {
    const out: Messages = {};
    for (const language of LANGUAGES) {
      const text = messages[language];
      if (text) out[language] = { ...(text.subject !== undefined ? { subject: text.subject } : {}), body: text.body };
    }
    return out;
  });

/** `Name <address>`, `"Name, with comma" <address>` or a bare address; one line, no list. */
const NAMED_ADDRESS = /^(?:"[^"\r\n]*"\s*|[^<>",;:\r\n]*)<([^<>\s]+)>$/;
const anAddress = z.email();

function addressSchema(example: string) {
  const accepted = `an email address such as ${example}, or Name <${example}>`;
  return z
    .string({ error: (issue) => (issue.input === undefined ? `required: ${accepted}` : undefined) })
    .trim()
    .refine((value) => {
      const address = NAMED_ADDRESS.exec(value)?.[1] ?? value;
      return anAddress.safeParse(address).success;
    }, { error: (issue) => `${shownValue(issue.input)} is not accepted: use ${accepted}` });
}

const ENV_NAME = /^[A-Z][A-Z0-9_]{0,63}$/;

/** The NAME of the variable holding the SMTP URL: the URL carries a password and never goes in the policy. */
const smtpUrlEnvSchema = z.string({ error: (issue) => (issue.input === undefined ? "required: the NAME of an environment variable holding the SMTP URL, e.g. OFFBOARD_SMTP_URL" : undefined) }).superRefine((value, ctx) => {
  if (ENV_NAME.test(value)) return;
  // Never repeated in the message: it may be the URL itself, password included.
  const message = /:\/\/|@/.test(value)
    ? "write the NAME of an environment variable (e.g. OFFBOARD_SMTP_URL), not the URL: set the variable to smtps://user:pass@host:465 or smtp://host:587"
    : "the NAME of an environment variable holding the SMTP URL, e.g. OFFBOARD_SMTP_URL";
  ctx.addIssue({ code: "custom", message });
});

const emailSettingsSchema = z.strictObject({
  smtp_url_env: smtpUrlEnvSchema,
  from: addressSchema("cobranzas@acme.uy"),
  reply_to: addressSchema("pagos@acme.uy").optional(),
  bcc: oneOf("an email address, or a list of them", [addressSchema("archivo@acme.uy"), z.array(addressSchema("archivo@acme.uy")).min(1).max(10)]).optional(),
});

const messagingSchema = z.strictObject({ email: emailSettingsSchema.optional() });

/** Seed 002: `deletion_notice: { before: 7d, message: {…} }`, an email this long before the data is deleted. */
const deletionNoticeShape = z.strictObject({
  before: durationSchema.refine((d) => Object.values(d).some((n) => typeof n === "number" && n > 0), "a duration longer than zero, such as 7d"),
  message: messagesSchema,
});

const dunningStepShape = z.strictObject({
  id: idSchema,
  label: labelSchema,
  channel: z.enum(DUNNING_CHANNELS),
  after: durationSchema,
  from: z.enum(["request", "previous"]).default("previous"),
  final_notice: z.boolean().default(false),
  template: templateSchema.optional(),
  message: messagesSchema.optional(),
  send: z.enum(SEND_MODES).default("manual"),
});

function toDunningStep(d: z.output<typeof dunningStepShape>): DunningStep {
  return {
    id: d.id,
    label: d.label,
    channel: d.channel,
    after: d.after,
    from: d.from,
    finalNotice: d.final_notice,
    ...(d.template ? { template: d.template } : {}),
    ...(d.message ? { message: d.message } : {}),
    send: d.send,
  };
}

const dunningStepSchema = dunningStepShape.transform(toDunningStep);

// ---------------------------------------------------------------- kinds

const reactivationSchema = z
  .strictObject({
    allowed: z.boolean().default(true),
    until: oneOf("always | before_deletion | { after_service_ends: DURATION }", [z.enum(["before_deletion", "always"]), afterServiceSchema]).default("always"),
    requires_paid: z.boolean().default(false),
    after_deletion: z.strictObject({ months_in_advance: z.number().int().min(0).max(24) }).optional(),
  })
  .default({ allowed: true, until: "always", requires_paid: false });

const kindShape = z.strictObject({
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
  reactivation: reactivationSchema,
  calendar: calendarSchema.optional(),
  dunning: z
    .array(dunningStepSchema)
    .max(20, "at most 20 dunning steps")
    .superRefine(...uniqueIds('duplicate step id "{id}" (first at dunning[{first}]): give each step its own id'))
    .default([]),
  on_equipment_out: z.enum(["block", "work_order"], "block or work_order").default("block"),
  collections: z.strictObject({ unless_check: idSchema }).optional(),
  deletion_notice: deletionNoticeShape.optional(),
});

/** A kind as the model has it (its id is the key it is listed under: added by toPolicy). */
function toKind(k: z.output<typeof kindShape>): Omit<KindPolicy, "id"> {
  return {
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
    ...(k.deletion_notice ? { deletionNotice: { before: k.deletion_notice.before, message: k.deletion_notice.message } } : {}),
  };
}

const kindSchema = kindShape.transform(toKind);

// ---------------------------------------------------------------- the whole file

const versionSchema = z.literal(1, { error: (issue) => (issue.input === undefined ? "required: write version: 1 at the top" : "the only policy version is 1") });

const approversSchema = z
  .strictObject({
    users: z.array(slackUser).default([]),
    usergroup: slackGroup.optional(),
    required: z.number().int().min(1).max(10).default(1),
    allow_self_approval: z.boolean().default(false),
  })
  .refine((a) => a.users.length > 0 || a.usergroup, "name approvers: users, a usergroup, or both");

const businessHoursSchema = z
  .strictObject({
    days: z.array(z.enum(WEEKDAYS)).min(1).default(["mon", "tue", "wed", "thu", "fri"]),
    from: clockTime.default("09:00"),
    to: clockTime.default("18:00"),
  })
  .refine((h) => h.from < h.to, "from must be before to")
  .default({ days: ["mon", "tue", "wed", "thu", "fri"], from: "09:00", to: "18:00" });

const remindersSchema = z.strictObject({
  business_hours: businessHoursSchema,
  repeat_every: durationSchema.default({ days: 1 }),
  max_reminders: z.number().int().min(1).max(20).default(3),
});

const httpConnectorSchema = z.strictObject({
  type: z.literal("http"),
  base_url: z.url({ protocol: /^https?$/, error: "an http(s) URL such as https://billing.example.com/offboard/" }),
  secret_env: z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/, "the NAME of an environment variable holding the shared secret, e.g. OFFBOARD_SOR_SECRET"),
  timeout: durationSchema.default({ seconds: 10 }),
  retries: z.number().int().min(0).max(10).default(3),
});

const systemOfRecordSchema = z
  .discriminatedUnion("type", [z.strictObject({ type: z.literal("ledger") }), httpConnectorSchema], {
    error: (issue) => (issue.code === "invalid_union" ? undefined : notAccepted(issue.input, "{ type: ledger } or { type: http, base_url: URL, secret_env: NAME }")),
  })
  .default({ type: "ledger" });

const policyShape = z.strictObject({
  version: versionSchema,
  company: text(100).optional(),
  timezone: timezoneSchema,
  language: z.enum(LANGUAGES),
  channels: z.strictObject({ requests: slackChannel, management: slackChannel }),
  approvers: approversSchema,
  reminders: remindersSchema.optional(),
  kinds: z.record(idSchema, kindSchema).refine((k) => Object.keys(k).length > 0, "define at least one kind"),
  system_of_record: systemOfRecordSchema,
  messaging: messagingSchema.optional(),
});

// ---------------------------------------------------------------- cross-field rules

type ParsedPolicy = z.output<typeof policyShape>;
type ParsedKind = ParsedPolicy["kinds"][string];
type Ctx = z.core.$RefinementCtx<ParsedPolicy>;
/** A rule within one kind: reports under kinds.<kindId>. */
type KindRule = (kindId: string, kind: ParsedKind, ctx: Ctx) => void;

/** A problem at a key path; `atKey`: reported at the key's own line (a section such as `message:`), not where its value starts. */
function problem(ctx: Ctx, path: (string | number)[], message: string, atKey = false): void {
  ctx.addIssue({ code: "custom", path, message, ...(atKey ? { params: { atKey: true } } : {}) });
}

/** Without a usergroup, the listed users can give the approvals required. */
function enoughApproversListed(p: ParsedPolicy, ctx: Ctx): void {
  if (p.approvers.usergroup === undefined && p.approvers.required > p.approvers.users.length) {
    problem(ctx, ["approvers", "required"], `${p.approvers.required} distinct approvals required but only ${p.approvers.users.length} approver(s) listed`);
  }
}

/** Every check deletion waits for is a manual check of the kind. */
const deletionWaitsForManualChecks: KindRule = (kindId, kind, ctx) => {
  for (const [index, checkId] of (kind.calendar.deletionWaitsFor ?? []).entries()) {
    const check = kind.checks.find((c) => c.id === checkId);
    if (!check || check.type !== "manual") {
      problem(ctx, ["kinds", kindId, "calendar", "deletion_waits_for", index], `"${checkId}" is not a manual check of this kind`);
    }
  }
};

/** Deletion can wait for checks only in a kind whose data is deleted. */
const deletionWaitsOnlyWhenDataIsDeleted: KindRule = (kindId, kind, ctx) => {
  if ((kind.calendar.deletionWaitsFor ?? []).length > 0 && kind.calendar.dataDeletion.type === "never") {
    problem(ctx, ["kinds", kindId, "calendar", "deletion_waits_for"], "data is never deleted in this kind: nothing waits for these checks");
  }
};

/** A dunning ladder gates execution through a dunning_complete check. */
const ladderGatedByDunningCheck: KindRule = (kindId, kind, ctx) => {
  if (kind.dunning.length > 0 && !kind.checks.some((c) => c.automatic === "dunning_complete")) {
    problem(ctx, ["kinds", kindId, "checks"], "a kind with a dunning ladder needs a check with automatic: dunning_complete, so execution waits for the ladder");
  }
};

/** A dunning_complete check has a ladder to wait for. */
const dunningCheckNeedsLadder: KindRule = (kindId, kind, ctx) => {
  if (kind.dunning.length === 0 && kind.checks.some((c) => c.automatic === "dunning_complete")) {
    problem(ctx, ["kinds", kindId, "dunning"], "the dunning_complete check needs a dunning ladder");
  }
};

/** Reactivation until before_deletion needs data that is deleted. */
const reactivationBeforeDeletionNeedsDeletion: KindRule = (kindId, kind, ctx) => {
  if (kind.calendar.reactivableUntil.type === "before_deletion" && kind.calendar.dataDeletion.type === "never") {
    problem(ctx, ["kinds", kindId, "reactivation", "until"], "before_deletion needs calendar.data_deletion (it is never)");
  }
};

/** The check that spares a debt from collections is a manual check of the kind. */
const collectionsExceptionIsManualCheck: KindRule = (kindId, kind, ctx) => {
  if (kind.collectionsUnless === undefined) return;
  const check = kind.checks.find((c) => c.id === kind.collectionsUnless);
  if (!check || check.type !== "manual") {
    problem(ctx, ["kinds", kindId, "collections", "unless_check"], `"${kind.collectionsUnless}" is not a manual check of this kind`);
  }
};

/** Collections settings only in a kind that sends to collections. */
const collectionsNeedTheAction: KindRule = (kindId, kind, ctx) => {
  if (kind.collectionsUnless !== undefined && !kind.actions.includes("send_to_collections")) {
    problem(ctx, ["kinds", kindId, "collections"], "collections settings need the send_to_collections action");
  }
};

// ---------------------------------------------------------------- cross-field rules: messages to clients

/** A message of a kind, where the file has it and what it is for. */
interface MessageSite {
  /** The key path of its `message`, as the file spells it. */
  path: (string | number)[];
  messages: Messages;
  /** A deletion notice is an email. */
  channel: DunningStep["channel"];
  finalNotice: boolean;
  deletionNotice: boolean;
}

function messageSites(kindId: string, kind: ParsedKind): MessageSite[] {
  const sites: MessageSite[] = kind.dunning.flatMap((step, index) =>
    step.message ? [{ path: ["kinds", kindId, "dunning", index, "message"], messages: step.message, channel: step.channel, finalNotice: step.finalNotice, deletionNotice: false }] : [],
  );
  if (kind.deletionNotice) {
    sites.push({ path: ["kinds", kindId, "deletion_notice", "message"], messages: kind.deletionNotice.message, channel: "email", finalNotice: false, deletionNotice: true });
  }
  return sites;
}

/** Each language of a message, with the key path of its texts. */
function languagesOf(site: MessageSite): [Language, MessageText, (string | number)[]][] {
  return (Object.entries(site.messages) as [Language, MessageText | undefined][]).flatMap(([language, text]) => (text ? [[language, text, [...site.path, language]] as [Language, MessageText, (string | number)[]]] : []));
}

/** Each placeholder written in a message, where. */
function placeholderUses(site: MessageSite): { name: string; path: (string | number)[] }[] {
  return languagesOf(site).flatMap(([, text, path]) =>
    (["subject", "body"] as const).flatMap((field) => placeholdersIn(text[field] ?? "").map((name) => ({ name, path: [...path, field] }))),
  );
}

/** Only email and WhatsApp steps carry a message (a call, a letter, anything else is done by a person). */
const messagesOnlyOnEmailAndWhatsApp: KindRule = (kindId, kind, ctx) => {
  kind.dunning.forEach((step, index) => {
    if (step.message && step.channel !== "email" && step.channel !== "whatsapp") {
      problem(ctx, ["kinds", kindId, "dunning", index, "message"], `a ${step.channel} step has no message: only email and whatsapp steps do`, true);
    }
  });
};

/** An email has a subject in every language it is given in. */
const emailsHaveSubjects: KindRule = (kindId, kind, ctx) => {
  for (const site of messageSites(kindId, kind).filter((s) => s.channel === "email")) {
    for (const [, text, path] of languagesOf(site)) {
      if (text.subject === undefined) problem(ctx, [...path, "subject"], "an email needs a subject");
    }
  }
};

/** A WhatsApp message is its body: a subject is refused rather than silently dropped. */
const whatsAppHasNoSubject: KindRule = (kindId, kind, ctx) => {
  for (const site of messageSites(kindId, kind).filter((s) => s.channel === "whatsapp")) {
    for (const [, text, path] of languagesOf(site)) {
      if (text.subject !== undefined) problem(ctx, [...path, "subject"], "a WhatsApp message has no subject: remove it (the body is the whole message)");
    }
  }
};

/** Offboard sends by itself only emails: WhatsApp goes through a person's click-to-chat link, calls and letters are made by people. */
const autoSendOnlyOnEmail: KindRule = (kindId, kind, ctx) => {
  kind.dunning.forEach((step, index) => {
    if (step.send === "auto" && step.channel !== "email") {
      problem(ctx, ["kinds", kindId, "dunning", index, "send"], `send: auto is for email steps only: a ${step.channel} step is done by a person (send: manual)`);
    }
  });
};

/** An email sent by itself needs the email to send. */
const autoSendNeedsMessage: KindRule = (kindId, kind, ctx) => {
  kind.dunning.forEach((step, index) => {
    if (step.send === "auto" && step.channel === "email" && !step.message) {
      problem(ctx, ["kinds", kindId, "dunning", index, "send"], "send: auto needs the email to send: add message: { LANGUAGE: { subject, body } }");
    }
  });
};

/** `template` is the older, body-only form of `message`: one or the other, so what the client is told is never in doubt. */
const messageOrTemplate: KindRule = (kindId, kind, ctx) => {
  kind.dunning.forEach((step, index) => {
    if (step.message && step.template) {
      problem(ctx, ["kinds", kindId, "dunning", index, "template"], "give message or template, not both: template is the older, body-only form of message (move its text to message.LANGUAGE.body)", true);
    }
  });
};

/** {cutoff}, the date access ends, is known on a final notice only. */
const cutoffOnlyOnFinalNotices: KindRule = (kindId, kind, ctx) => {
  for (const site of messageSites(kindId, kind).filter((s) => !s.finalNotice)) {
    for (const use of placeholderUses(site).filter((u) => u.name === "cutoff")) {
      problem(
        ctx,
        use.path,
        site.deletionNotice
          ? "{cutoff} is the date access ends, given by a final notice: a deletion notice gives {deletion_date}"
          : "{cutoff} is the date access ends, known on a final notice only: remove it, or make this step final_notice: true",
      );
    }
  }
};

/** {deletion_date} is known in a deletion notice only. */
const deletionDateOnlyInDeletionNotices: KindRule = (kindId, kind, ctx) => {
  for (const site of messageSites(kindId, kind).filter((s) => !s.deletionNotice)) {
    for (const use of placeholderUses(site).filter((u) => u.name === "deletion_date")) {
      problem(ctx, use.path, "{deletion_date} is known in a deletion_notice only (a final notice gives {cutoff})");
    }
  }
};

/** A deletion notice needs a deletion to announce. */
const deletionNoticeOnlyWhenDataIsDeleted: KindRule = (kindId, kind, ctx) => {
  if (kind.deletionNotice && kind.calendar.dataDeletion.type === "never") {
    problem(ctx, ["kinds", kindId, "deletion_notice"], "data is never deleted in this kind (calendar.data_deletion): there is no deletion to give notice of", true);
  }
};

/** Every message is given in the policy's language, the one used when a contact's language is unknown or not given. */
function messagesInPolicyLanguage(p: ParsedPolicy, ctx: Ctx): void {
  for (const [kindId, kind] of Object.entries(p.kinds)) {
    for (const site of messageSites(kindId, kind)) {
      if (!site.messages[p.language]) {
        problem(ctx, site.path, `give this message in ${p.language} too, the policy's language (used when a contact's language is not one given)`, true);
      }
    }
  }
}

/** {company} is the policy's `company`. */
function companyPlaceholderNeedsCompany(p: ParsedPolicy, ctx: Ctx): void {
  if (p.company) return;
  for (const [kindId, kind] of Object.entries(p.kinds)) {
    for (const site of messageSites(kindId, kind)) {
      for (const use of placeholderUses(site).filter((u) => u.name === "company")) {
        problem(ctx, use.path, "{company} is the policy's company: write company: YOUR NAME at the top of the file");
      }
    }
  }
}

/** An email Offboard writes (a step's message, send: auto, a deletion notice) goes out through messaging.email. */
function emailsNeedMessagingEmail(p: ParsedPolicy, ctx: Ctx): void {
  if (p.messaging?.email) return;
  const needs = "needs messaging.email at the top of the file: { smtp_url_env: OFFBOARD_SMTP_URL, from: Name <address> }";
  for (const [kindId, kind] of Object.entries(p.kinds)) {
    kind.dunning.forEach((step, index) => {
      if (step.channel !== "email") return;
      if (step.message) problem(ctx, ["kinds", kindId, "dunning", index, "message"], `an email message ${needs}`, true);
      else if (step.send === "auto") problem(ctx, ["kinds", kindId, "dunning", index, "send"], `send: auto ${needs}`);
    });
    if (kind.deletionNotice) problem(ctx, ["kinds", kindId, "deletion_notice"], `a deletion notice is an email: it ${needs}`, true);
  }
}

/** The connector's attempts end well within the 5 minutes another process waits before taking an action over. */
function connectorAttemptsEndBeforeTakeover(p: ParsedPolicy, ctx: Ctx): void {
  if (p.system_of_record.type !== "http") return;
  const timeout = durationMs(p.system_of_record.timeout);
  if (timeout === null || timeout < 1000 || timeout * (p.system_of_record.retries + 1) > 240_000) {
    problem(ctx, ["system_of_record", "timeout"], "a timeout of seconds or minutes, at least 1s, and timeout × (retries + 1) at most 4 minutes");
  }
}

/** Each kind's rules, in the order their problems are listed. */
const KIND_RULES: readonly KindRule[] = [
  deletionWaitsForManualChecks,
  deletionWaitsOnlyWhenDataIsDeleted,
  ladderGatedByDunningCheck,
  dunningCheckNeedsLadder,
  reactivationBeforeDeletionNeedsDeletion,
  collectionsExceptionIsManualCheck,
  collectionsNeedTheAction,
  messagesOnlyOnEmailAndWhatsApp,
  emailsHaveSubjects,
  whatsAppHasNoSubject,
  autoSendOnlyOnEmail,
  autoSendNeedsMessage,
  messageOrTemplate,
  cutoffOnlyOnFinalNotices,
  deletionDateOnlyInDeletionNotices,
  deletionNoticeOnlyWhenDataIsDeleted,
];

/**
 * Cross-field rules run as a transform: zod runs transforms only on data whose shape is valid,
 * while a refinement would also see half-parsed values. (Ids listed twice are checked where
 * they are listed, so they are reported with every other problem: see uniqueIds.)
 */
function checkCrossFieldRules(p: ParsedPolicy, ctx: Ctx): ParsedPolicy {
  enoughApproversListed(p, ctx);
  for (const [kindId, kind] of Object.entries(p.kinds)) {
    for (const rule of KIND_RULES) rule(kindId, kind, ctx);
  }
  connectorAttemptsEndBeforeTakeover(p, ctx);
  messagesInPolicyLanguage(p, ctx);
  companyPlaceholderNeedsCompany(p, ctx);
  emailsNeedMessagingEmail(p, ctx);
  return p;
}

// ---------------------------------------------------------------- onto the model

function toSystemOfRecord(s: ParsedPolicy["system_of_record"]): SystemOfRecordConfig {
  return s.type === "ledger"
    ? { type: "ledger" }
    : {
        type: "http",
        baseUrl: s.base_url.endsWith("/") ? s.base_url : `${s.base_url}/`,
        secretEnv: s.secret_env,
        timeoutMs: durationMs(s.timeout) ?? 10_000,
        retries: s.retries,
      };
}

function toReminders(r: ParsedPolicy["reminders"]): ReminderRules {
  return r
    ? {
        businessHours: {
          days: r.business_hours.days.map((d) => WEEKDAYS.indexOf(d)),
          from: r.business_hours.from,
          to: r.business_hours.to,
        },
        repeatEvery: r.repeat_every,
        maxReminders: r.max_reminders,
      }
    : DEFAULT_REMINDERS;
}

function toEmailSettings(e: NonNullable<NonNullable<ParsedPolicy["messaging"]>["email"]>): EmailSettings {
  return {
    smtpUrlEnv: e.smtp_url_env,
    from: e.from,
    ...(e.reply_to ? { replyTo: e.reply_to } : {}),
    ...(e.bcc ? { bcc: typeof e.bcc === "string" ? [e.bcc] : e.bcc } : {}),
  };
}

function toPolicy(p: ParsedPolicy): Policy {
  return {
    version: 1,
    ...(p.company ? { company: p.company } : {}),
    timezone: p.timezone,
    language: p.language,
    channels: p.channels,
    systemOfRecord: toSystemOfRecord(p.system_of_record),
    approvers: {
      users: p.approvers.users,
      ...(p.approvers.usergroup ? { usergroup: p.approvers.usergroup } : {}),
      required: p.approvers.required,
      allowSelfApproval: p.approvers.allow_self_approval,
    },
    reminders: toReminders(p.reminders),
    kinds: Object.fromEntries(Object.entries(p.kinds).map(([id, k]) => [id, { id, ...k }])),
    ...(p.messaging ? { messaging: p.messaging.email ? { email: toEmailSettings(p.messaging.email) } : {} } : {}),
  };
}

/** The policy file, parsed: its shape, then its cross-field rules, then mapped onto the model. */
export const policySchema = policyShape.transform(checkCrossFieldRules).transform(toPolicy);
