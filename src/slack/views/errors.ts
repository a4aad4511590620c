import type { DomainError } from "../../domain/errors.ts";
import type { Missing } from "../../domain/request.ts";
import type { RequestView } from "../../db/request-views.ts";
import { t, type MessageKey } from "../i18n/catalog.ts";
import { escapeText, formatCalendarDate, formatDateTime, mention, type ViewContext } from "./format.ts";
import { describeMissing } from "./request-card.ts";

/** A coded refusal, said in the reader's language with the facts it carries. */
export function errorText(error: DomainError, ctx: ViewContext, view?: Pick<RequestView, "request">): string {
  const d = (error.details ?? {}) as Record<string, unknown>;
  // A new start with no terms in the policy is said without them.
  const plain = error.code === "REACTIVATION.RESTART_REQUIRED" && !d.monthsInAdvance;
  const key = (plain ? "error.REACTIVATION.RESTART_REQUIRED_PLAIN" : `error.${error.code}`) as MessageKey;
  const params: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(d)) {
    if (typeof value === "string" || typeof value === "number") params[name] = escapeText(String(value));
  }
  if (d.at instanceof Date) params.at = formatDateTime(d.at, ctx);
  if (typeof d.state === "string") params.state = t(ctx.language, `state.${d.state}` as MessageKey);
  if (typeof d.by === "string") params.user = mention(d.by);
  if (Array.isArray(d.by)) params.users = d.by.map((u) => mention(String(u))).join(", ");
  if (typeof d.decision === "string") params.decision = t(ctx.language, `decision.${d.decision}` as MessageKey);
  if (typeof d.action === "string") params.action = t(ctx.language, `action.${d.action}` as MessageKey);
  if (Array.isArray(d.unpaid)) params.unpaid = d.unpaid.length ? d.unpaid.map((n) => escapeText(String(n))).join(", ") : "—";
  if (typeof d.until === "string" && /^\d{4}-\d{2}-\d{2}$/.test(d.until)) params.until = formatCalendarDate(d.until, ctx);
  if (Array.isArray(d.missing) && view) params.missing = describeMissing(d.missing as Missing[], view, ctx);
  return t(ctx.language, key, params);
}

/** mrkdwn as plain text: mentions by name (`names`, else the id), no emphasis marks, Slack's escapes undone. */
export function plainText(mrkdwn: string, names: ReadonlyMap<string, string>): string {
  return mrkdwn
    .replace(/<@([UW][A-Z0-9]+)>/g, (_, id: string) => `@${names.get(id) ?? id}`)
    .replace(/<!subteam\^[A-Z0-9]+(?:\|([^>]+))?>/g, (_, handle?: string) => handle ?? "@group")
    .replace(/(^|[\s(])[*_~]([^*_~\n]+)[*_~](?=$|[\s).,:;!?])/g, "$1$2")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}
