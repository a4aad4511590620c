import { ErrorCode, type DomainError } from "../../domain/errors.ts";
import type { RequestView } from "../../db/request-views.ts";
import { t, type MessageKey } from "../i18n/catalog.ts";
import { escapeText, formatCalendarDate, formatDateTime, mention, type ViewContext } from "./format.ts";
import { describeMissing } from "./request-card.ts";

/** A coded refusal, said in the reader's language with the facts it carries. */
export function errorText(error: DomainError, ctx: ViewContext, view?: Pick<RequestView, "request">): string {
  const params: Record<string, string | number> = {};
  // Plain facts (ids, numbers, fields) are said as they are; the rest below, in the reader's words.
  for (const [name, value] of Object.entries(error.details ?? {})) {
    if (typeof value === "string" || typeof value === "number") params[name] = escapeText(String(value));
  }
  const when = (at: Date | null | undefined) => {
    if (at) params.at = formatDateTime(at, ctx);
  };
  const by = (user: string | null | undefined) => {
    if (user) params.user = mention(user);
  };
  const unpaid = (numbers: readonly string[] | undefined) => {
    params.unpaid = numbers?.length ? numbers.map(escapeText).join(", ") : "—";
  };
  let key: MessageKey = `error.${error.code}`;
  switch (error.code) {
    case ErrorCode.RequestClosed:
    case ErrorCode.RequestNotExecuting:
    case ErrorCode.RequestAlreadyOpen:
      if (error.details?.state) params.state = t(ctx.language, `state.${error.details.state}`);
      break;
    case ErrorCode.AlreadyDecided:
      if (error.details) {
        params.decision = t(ctx.language, `decision.${error.details.decision}`);
        params.users = error.details.by.map(mention).join(", ");
        when(error.details.at);
      }
      break;
    case ErrorCode.CheckAlreadyTicked:
    case ErrorCode.StepAlreadyDone:
      by(error.details?.by);
      when(error.details?.at);
      break;
    case ErrorCode.ExecutionScheduled:
    case ErrorCode.LadderStopped:
      when(error.details?.at);
      break;
    case ErrorCode.ExecutionFailed:
      if (error.details) params.action = t(ctx.language, `action.${error.details.action}`);
      break;
    case ErrorCode.ReactivationRestartRequired:
      // A new start with no terms in the policy is said without them.
      if (!error.details?.monthsInAdvance) key = "error.REACTIVATION.RESTART_REQUIRED_PLAIN";
      unpaid(error.details?.unpaid);
      break;
    case ErrorCode.ReactivationUnpaid:
      unpaid(error.details?.unpaid);
      break;
    case ErrorCode.ReactivationWindowClosed:
      if (error.details) params.until = formatCalendarDate(error.details.until, ctx);
      break;
    case ErrorCode.RequestNotReady:
      if (error.details && view) params.missing = describeMissing(error.details.missing, view, ctx);
      break;
  }
  return t<MessageKey>(ctx.language, key, params);
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
