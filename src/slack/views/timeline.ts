import { readAuditEvent, type AuditAction, type AuditData } from "../../domain/events.ts";
import { labelFor, type Action, type Label } from "../../domain/policy.ts";
import type { RequestView } from "../../db/request-views.ts";
import { t } from "../i18n/catalog.ts";
import { describeDetail } from "./request-card.ts";
import { clip, escapeText, formatDateTime, mention, who, type ViewContext } from "./format.ts";

/** What a line can say about its event: who did it, and the request's own names for checks, steps and actions. */
interface LineContext {
  ctx: ViewContext;
  view: RequestView;
  /** The actor, as a mention or "Offboard". */
  user: string;
  checkLabel(checkId: string): string;
  stepLabel(stepId: string): string;
  action(action: Action): string;
}

type Line<A extends AuditAction> = (data: AuditData<A>, on: LineContext) => string;

/**
 * The thread reply for each event the card's thread tells, so the thread reads
 * as the request's timeline. Events not listed (refusals, imports, reminders
 * taken...) are on the audit trail only: the card alone shows their effect.
 */
const LINES: { [A in AuditAction]?: Line<A> } = {
  "check.ticked": (d, { ctx, user, checkLabel }) =>
    d.evidence
      ? t(ctx.language, "thread.tickedWithEvidence", { user, label: checkLabel(d.checkId), evidence: escapeText(d.evidence) })
      : t(ctx.language, "thread.ticked", { user, label: checkLabel(d.checkId) }),
  "check.unticked": (d, { ctx, user, checkLabel }) => t(ctx.language, "thread.unticked", { user, label: checkLabel(d.checkId) }),
  "check.evaluated": (d, { ctx, view, checkLabel }) => {
    const definition = view.request.snapshot.checks.find((c) => c.id === d.checkId);
    const detail = definition ? describeDetail(definition, { detail: d.detail }, ctx) : "";
    return t(ctx.language, d.status === "done" ? "thread.evaluated.done" : "thread.evaluated.failed", { label: checkLabel(d.checkId), detail });
  },
  "request.approved": (d, { ctx, user }) => t(ctx.language, "thread.approved", { user, have: d.approvals, need: d.required }),
  "request.rejected": (d, { ctx, user }) => t(ctx.language, "thread.rejected", { user, reason: escapeText(d.reason) }),
  "request.withdrawn": (d, { ctx, user }) =>
    d.reason ? t(ctx.language, "thread.withdrawnReason", { user, reason: escapeText(d.reason) }) : t(ctx.language, "thread.withdrawn", { user }),
  "request.ready": (_, { ctx }) => t(ctx.language, "thread.ready"),
  "request.reopened": (_, { ctx }) => t(ctx.language, "thread.reopened"),
  "execution.started": (_, { ctx, user }) => t(ctx.language, "thread.executionStarted", { user }),
  "work_order.created": (d, { ctx }) =>
    t(ctx.language, "thread.workOrderCreated", { number: escapeText(d.number), items: d.items.map((i) => escapeText(`${i.description} ${i.serial}`.trim())).join(", ") }),
  "invoices.released": (d, { ctx, user }) => t(ctx.language, "thread.invoicesReleased", { user, invoices: d.released.map(escapeText).join(", ") || "—" }),
  "work_order.failed": (d, { ctx }) => t(ctx.language, "thread.workOrderFailed", { error: escapeText(d.error) }),
  "execution.resumed": (d, { ctx }) => t(ctx.language, "thread.executionResumed", { user: mention(d.for) }),
  "execution.action_done": (d, { ctx, action }) => t(ctx.language, "thread.actionDone", { action: action(d.action) }),
  "execution.failed": (d, { ctx, action }) => t(ctx.language, "thread.actionFailed", { action: action(d.failedAction), error: escapeText(d.error) }),
  "client.reactivated": (d, { ctx, user, view }) =>
    [
      t(ctx.language, "thread.reactivated", { user, client: escapeText(view.client.name) }),
      ...(d.unchanged.invoicesOnHold ? [t(ctx.language, "thread.reactivatedOnHold")] : []),
      ...(d.unchanged.subscriptionsCancelled ? [t(ctx.language, "thread.reactivatedCancelled")] : []),
    ].join(" "),
  "dunning.step_done": (d, { ctx, user, stepLabel }) => t(ctx.language, "thread.stepDone", { user, label: stepLabel(d.stepId), evidence: escapeText(d.evidence) }),
  "dunning.snoozed": (d, { ctx, user, stepLabel }) => t(ctx.language, "thread.snoozed", { user, label: stepLabel(d.stepId), until: formatDateTime(d.until, ctx) }),
  "dunning.reassigned": (d, { ctx, user, stepLabel }) => t(ctx.language, "thread.reassigned", { user, label: stepLabel(d.stepId), owner: mention(d.to) }),
  "dunning.stopped": (d, { ctx, user }) => t(ctx.language, d.outcome === "paid" ? "thread.stopped.paid" : "thread.stopped.answered", { user }),
  "deletion.waiting": (d, { ctx, checkLabel }) =>
    t(ctx.language, "thread.deletionWaiting", { checks: d.missing.map((id) => `“${checkLabel(id)}”`).join(", "), at: formatDateTime(d.retryAt, ctx) }),
  "client.data_deleted": (_, { ctx, view }) => t(ctx.language, "thread.dataDeleted", { client: escapeText(view.client.name) }),
  "request.executed": (_, { ctx, user, view }) => t(ctx.language, "thread.executed", { user, client: escapeText(view.client.name) }),
};

/** One action's line, if its events are told in the thread (typed by the action, so each line reads its own data). */
function lineOf<A extends AuditAction>(event: { action: A; data: AuditData<A> }, on: LineContext): string | null {
  const line = LINES[event.action];
  return line ? line(event.data, on) : null;
}

/**
 * One thread reply for an audit event, so the card's thread reads as the
 * request's timeline; null for events the card alone shows, and for events
 * this version cannot read (another version's, shown on the trail as they are).
 */
export function timelineLine(event: { action: string; actor: string; data: unknown }, view: RequestView, ctx: ViewContext): string | null {
  const read = readAuditEvent(event);
  if (!read.known) return null;
  const named = (label: Label | undefined, id: string) => escapeText(label ? labelFor(label, ctx.language, ctx.policyLanguage) : id);
  const line = lineOf(read, {
    ctx,
    view,
    user: who(event.actor, ctx),
    checkLabel: (checkId) => named(view.request.snapshot.checks.find((c) => c.id === checkId)?.label, checkId),
    stepLabel: (stepId) => named(view.request.snapshot.dunning.find((d) => d.id === stepId)?.label, stepId),
    action: (action) => t(ctx.language, `action.${action}`),
  });
  return line === null ? null : clip(line, 3000);
}
