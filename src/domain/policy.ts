import { z } from "zod";

/**
 * The company's policy: the model, and the zod schema of the policy file that
 * produces it. The file is written by admins in snake_case YAML; the model is
 * camelCase. Loading and reporting line numbers is config/policy-file.ts.
 */

export const LANGUAGES = ["en", "es", "pt"] as const;
export type Language = (typeof LANGUAGES)[number];

/** Automatic checks, computed from the system of record or from approvals. */
export const AUTOMATIC_CHECKS = ["no_pending_charges", "no_equipment_out", "management_approval"] as const;
export type AutomaticCheck = (typeof AUTOMATIC_CHECKS)[number];

/** What an execution can do, in the order the policy lists them. */
export const ACTIONS = ["inactivate_client", "hold_invoices", "cancel_subscriptions"] as const;
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

export interface KindPolicy {
  id: string;
  label: Label;
  checks: CheckDefinition[];
  actions: Action[];
  reactivation: { allowed: boolean };
}

export interface ApprovalRule {
  users: string[];
  usergroup?: string;
  required: number;
  allowSelfApproval: boolean;
}

export interface Policy {
  version: 1;
  company?: string;
  timezone: string;
  language: Language;
  channels: { requests: string; management: string };
  approvers: ApprovalRule;
  kinds: Record<string, KindPolicy>;
}

const ID = /^[a-z][a-z0-9_]{0,62}$/;
const idSchema = z.string().regex(ID, "use lower_snake_case: a letter, then letters, digits or _ (at most 63)");
const slackChannel = z.string().regex(/^[CG][A-Z0-9]{2,}$/, "a Slack channel id such as C0123ABCD (not #name)");
const slackUser = z.string().regex(/^[UW][A-Z0-9]{2,}$/, "a Slack user id such as U0123ABCD");
const slackGroup = z.string().regex(/^S[A-Z0-9]{2,}$/, "a Slack user group id such as S0123ABCD");
const text = (max: number) => z.string().trim().min(1, "must not be empty").max(max, `at most ${max} characters`);

const labelSchema: z.ZodType<Label> = z.union([
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

const kindSchema = z.strictObject({
  label: labelSchema,
  checks: z.array(checkSchema).max(40, "at most 40 checks per kind (a Slack card has room for 50 blocks)").default([]),
  actions: z.array(z.enum(ACTIONS)).min(1, "list at least one action (e.g. inactivate_client)"),
  reactivation: z.strictObject({ allowed: z.boolean().default(true) }).default({ allowed: true }),
});

export const policySchema = z
  .strictObject({
    version: z.literal(1, "the only policy version is 1"),
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
    kinds: z.record(idSchema, kindSchema).refine((k) => Object.keys(k).length > 0, "define at least one kind"),
  })
  .superRefine((p, ctx) => {
    if (p.approvers.usergroup === undefined && p.approvers.required > p.approvers.users.length) {
      ctx.addIssue({
        code: "custom",
        path: ["approvers", "required"],
        message: `${p.approvers.required} distinct approvals required but only ${p.approvers.users.length} approver(s) listed`,
      });
    }
    for (const [kindId, kind] of Object.entries(p.kinds)) {
      const seen = new Map<string, number>();
      kind.checks.forEach((check, index) => {
        const first = seen.get(check.id);
        if (first !== undefined) {
          ctx.addIssue({
            code: "custom",
            path: ["kinds", kindId, "checks", index, "id"],
            message: `duplicate check id "${check.id}" (first at checks[${first}])`,
          });
        } else seen.set(check.id, index);
      });
      const actions = new Set<string>();
      kind.actions.forEach((action, index) => {
        if (actions.has(action)) {
          ctx.addIssue({ code: "custom", path: ["kinds", kindId, "actions", index], message: `"${action}" is listed twice` });
        }
        actions.add(action);
      });
    }
  })
  .transform(
    (p): Policy => ({
      version: 1,
      ...(p.company ? { company: p.company } : {}),
      timezone: p.timezone,
      language: p.language,
      channels: p.channels,
      approvers: {
        users: p.approvers.users,
        ...(p.approvers.usergroup ? { usergroup: p.approvers.usergroup } : {}),
        required: p.approvers.required,
        allowSelfApproval: p.approvers.allow_self_approval,
      },
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
