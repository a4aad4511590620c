import type { AuditRecord } from "../../db/audit.ts";
import { labelFor, type Action } from "../../domain/policy.ts";
import type { RequestView } from "../../db/request-views.ts";
import { t } from "../i18n/catalog.ts";
import { describeDetail } from "./request-card.ts";
import { clip, escapeText, formatDateTime, mention, who, type ViewContext } from "./format.ts";

type Data = Record<string, unknown>;

/**
 * One thread reply for an audit event, so the card's thread reads as the
 * request's timeline; null for events the card alone shows.
 */
export function timelineLine(event: Pick<AuditRecord, "action" | "actor" | "data">, view: RequestView, ctx: ViewContext): string | null {
  const data = (event.data ?? {}) as Data;
  const user = who(event.actor, ctx);
  const label = (checkId: unknown) => {
    const definition = view.request.snapshot.checks.find((c) => c.id === checkId);
    return escapeText(definition ? labelFor(definition.label, ctx.language, ctx.policyLanguage) : String(checkId));
  };
  const action = (a: unknown) => t(ctx.language, `action.${a as Action}`);
  const stepLabel = (stepId: unknown) => {
    const definition = view.request.snapshot.dunning.find((d) => d.id === stepId);
    return escapeText(definition ? labelFor(definition.label, ctx.language, ctx.policyLanguage) : String(stepId));
  };
  let line: string | null;
  switch (event.action) {
    case "check.ticked":
      line = data.evidence
        ? t(ctx.language, "thread.tickedWithEvidence", { user, label: label(data.checkId), evidence: escapeText(String(data.evidence)) })
        : t(ctx.language, "thread.ticked", { user, label: label(data.checkId) });
      break;
    case "check.unticked":
      line = t(ctx.language, "thread.unticked", { user, label: label(data.checkId) });
      break;
    case "check.evaluated": {
      const definition = view.request.snapshot.checks.find((c) => c.id === data.checkId);
      const detail = definition ? describeDetail(definition, { detail: (data.detail ?? null) as Data | null }, ctx) : "";
      line = t(ctx.language, data.status === "done" ? "thread.evaluated.done" : "thread.evaluated.failed", { label: label(data.checkId), detail });
      break;
    }
    case "request.approved":
      line = t(ctx.language, "thread.approved", { user, have: Number(data.approvals), need: Number(data.required) });
      break;
    case "request.rejected":
      line = t(ctx.language, "thread.rejected", { user, reason: escapeText(String(data.reason ?? "")) });
      break;
    case "request.withdrawn":
      line = data.reason ? t(ctx.language, "thread.withdrawnReason", { user, reason: escapeText(String(data.reason)) }) : t(ctx.language, "thread.withdrawn", { user });
      break;
    case "request.ready":
      line = t(ctx.language, "thread.ready");
      break;
    case "request.reopened":
      line = t(ctx.language, "thread.reopened");
      break;
    case "execution.started":
      line = t(ctx.language, "thread.executionStarted", { user });
      break;
    case "work_order.created": {
      const items = ((data.items ?? []) as { serial?: string; description?: string }[]).map((i) => escapeText(`${i.description ?? ""} ${i.serial ?? ""}`.trim()));
      line = t(ctx.language, "thread.workOrderCreated", { number: escapeText(String(data.number ?? "")), items: items.join(", ") });
      break;
    }
    case "invoices.released":
      line = t(ctx.language, "thread.invoicesReleased", { user, invoices: ((data.released ?? []) as unknown[]).map((n) => escapeText(String(n))).join(", ") || "—" });
      break;
    case "work_order.failed":
      line = t(ctx.language, "thread.workOrderFailed", { error: escapeText(String(data.error ?? "")) });
      break;
    case "execution.resumed":
      line = t(ctx.language, "thread.executionResumed", { user: mention(String(data.for ?? "")) });
      break;
    case "execution.action_done":
      line = t(ctx.language, "thread.actionDone", { action: action(data.action) });
      break;
    case "execution.failed":
      line = t(ctx.language, "thread.actionFailed", { action: action(data.failedAction), error: escapeText(String(data.error ?? "")) });
      break;
    case "client.reactivated": {
      const unchanged = (data.unchanged ?? {}) as { invoicesOnHold?: boolean; subscriptionsCancelled?: boolean };
      line = [
        t(ctx.language, "thread.reactivated", { user, client: escapeText(view.client.name) }),
        ...(unchanged.invoicesOnHold ? [t(ctx.language, "thread.reactivatedOnHold")] : []),
        ...(unchanged.subscriptionsCancelled ? [t(ctx.language, "thread.reactivatedCancelled")] : []),
      ].join(" ");
      break;
    }
    case "dunning.step_done": {
      line = t(ctx.language, "thread.stepDone", { user, label: stepLabel(data.stepId), evidence: escapeText(String(data.evidence ?? "")) });
      break;
    }
    case "dunning.snoozed":
      line = t(ctx.language, "thread.snoozed", { user, label: stepLabel(data.stepId), until: formatDateTime(new Date(String(data.until)), ctx) });
      break;
    case "dunning.reassigned":
      line = t(ctx.language, "thread.reassigned", { user, label: stepLabel(data.stepId), owner: mention(String(data.to)) });
      break;
    case "dunning.stopped":
      line = t(ctx.language, data.outcome === "paid" ? "thread.stopped.paid" : "thread.stopped.answered", { user });
      break;
    case "deletion.waiting":
      line = t(ctx.language, "thread.deletionWaiting", { checks: (data.missing as string[]).map((id) => `“${label(id)}”`).join(", "), at: formatDateTime(new Date(String(data.retryAt)), ctx) });
      break;
    case "client.data_deleted":
      line = t(ctx.language, "thread.dataDeleted", { client: escapeText(view.client.name) });
      break;
    case "request.executed":
      line = t(ctx.language, "thread.executed", { user, client: escapeText(view.client.name) });
      break;
    default:
      line = null;
  }
  return line === null ? null : clip(line, 3000);
}
