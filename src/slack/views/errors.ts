import type { DomainError } from "../../domain/errors.ts";
import type { Missing } from "../../domain/request.ts";
import type { RequestView } from "../../services/request-view.ts";
import { t, type MessageKey } from "../i18n/catalog.ts";
import { escapeText, formatDateTime, mention, type ViewContext } from "./format.ts";
import { describeMissing } from "./request-card.ts";

/** A coded refusal, said in the reader's language with the facts it carries. */
export function errorText(error: DomainError, ctx: ViewContext, view?: Pick<RequestView, "request">): string {
  const d = (error.details ?? {}) as Record<string, unknown>;
  const key = `error.${error.code}` as MessageKey;
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
  if (Array.isArray(d.missing) && view) params.missing = describeMissing(d.missing as Missing[], view, ctx);
  return t(ctx.language, key, params);
}
