import type { Button, KnownBlock, SectionBlock } from "@slack/types";
import { computeTimeline, executionMoment } from "../../domain/calendar.ts";
import { labelFor, type CheckDefinition } from "../../domain/policy.ts";
import { approvalsGiven, missingForExecution, type CheckState, type Missing } from "../../domain/request.ts";
import type { RequestView } from "../../db/request-views.ts";
import { readCheckDetail } from "../../domain/check-details.ts";
import { t } from "../i18n/catalog.ts";
import { Ids } from "../ids.ts";
import { clip, escapeText, formatCalendarDate, formatDateTime, formatMoney, mention, type ViewContext } from "./format.ts";

export interface Message {
  text: string;
  blocks: KnownBlock[];
}

/**
 * Button values carry ids only; the server re-checks everything they name.
 * A tick says whether the check asks for evidence (`e`), so a check that does
 * not is ticked without reading the request first; a forged `e` changes
 * nothing the server allows (evidence a check requires is still required).
 */
export function checkButtonValue(requestId: string, checkId: string, asksEvidence?: boolean): string {
  return JSON.stringify(asksEvidence === undefined ? { r: requestId, c: checkId } : { r: requestId, c: checkId, e: asksEvidence ? 1 : 0 });
}

/** The card in the requests channel: the facts, the checklist, and what can be done next. */
export function requestCard(view: RequestView, ctx: ViewContext): Message {
  const { request, client } = view;
  const title = t(ctx.language, "card.title", { number: request.number, client: client.name });
  const blocks: KnownBlock[] = [
    { type: "header", text: { type: "plain_text", text: clip(title, 150), emoji: true } },
    ...factBlocks(view, ctx),
    ...statusBlocks(view, ctx),
    ...checklistBlocks(view, ctx),
    ...ladderBlocks(view, ctx),
    ...nextStepBlocks(view, ctx),
  ];
  return { text: title, blocks };
}

const note = (text: string): KnownBlock => ({ type: "context", elements: [{ type: "mrkdwn", text: clip(text, 3000) }] });

/** Who asked, for which client, when and why; the dates the policy's calendar gives. */
function factBlocks(view: RequestView, ctx: ViewContext): KnownBlock[] {
  const { request, client } = view;
  const facts: [string, string | null][] = [
    [t(ctx.language, "card.client"), `${escapeText(client.name)} (${escapeText(client.ref)})`],
    [t(ctx.language, "card.kind"), escapeText(labelFor(request.snapshot.label, ctx.language, ctx.policyLanguage))],
    [t(ctx.language, "card.requestedBy"), mention(request.requestedBy)],
    [t(ctx.language, "card.requestedOn"), formatCalendarDate(request.requestedOn, ctx)],
    [t(ctx.language, "card.requestedAt"), formatDateTime(request.requestedAt, ctx)],
    [t(ctx.language, "card.askedBy"), request.askedBy && escapeText(request.askedBy)],
    [t(ctx.language, "card.confirmation"), request.confirmation && escapeText(request.confirmation)],
  ];
  const blocks: KnownBlock[] = [
    { type: "section", fields: facts.filter(([, v]) => v).map(([k, v]) => ({ type: "mrkdwn" as const, text: clip(`*${k}*\n${v}`, 2000) })) },
    ...datesBlock(view, ctx),
    { type: "section", text: { type: "mrkdwn", text: clip(`*${t(ctx.language, "card.reason")}*\n${escapeText(request.reason)}`, 3000) } },
  ];
  const extras = [
    request.thirdPartyInvolved ? `:handshake: ${t(ctx.language, "card.thirdParty")}` : null,
    request.notes ? `*${t(ctx.language, "card.notes")}:* ${escapeText(request.notes)}` : null,
  ].filter((x): x is string => x !== null);
  if (extras.length) blocks.push({ type: "context", elements: extras.map((text) => ({ type: "mrkdwn", text: clip(text, 3000) })) });
  return blocks;
}

/** Where the request stands; after it, the client's data deleted or the client reactivated (and invoices to release). */
function statusBlocks(view: RequestView, ctx: ViewContext): KnownBlock[] {
  const { request, client } = view;
  const blocks = [note(stateLine(view, ctx))];
  if (client.dataDeletedAt) blocks.push(note(t(ctx.language, "card.dataDeletedOn", { at: formatDateTime(client.dataDeletedAt, ctx) })));
  const { reactivatedAt, reactivatedBy } = client;
  if (request.state === "executed" && client.status === "active" && reactivatedAt && reactivatedBy && request.executedAt && reactivatedAt >= request.executedAt) {
    blocks.push(note(t(ctx.language, "card.reactivated", { user: mention(reactivatedBy), at: formatDateTime(reactivatedAt, ctx) })));
    if (view.invoicesOnHold > 0) {
      blocks.push({
        type: "actions",
        block_id: Ids.block.requestActions,
        elements: [{ type: "button", action_id: Ids.action.releaseInvoices, value: request.id, text: { type: "plain_text", text: t(ctx.language, "button.releaseInvoices", { count: view.invoicesOnHold }) } }],
      });
    }
  }
  return blocks;
}

/** Every check that applies, with its state and its button. */
function checklistBlocks(view: RequestView, ctx: ViewContext): KnownBlock[] {
  const { request } = view;
  if (request.snapshot.checks.length === 0) return [];
  return [
    { type: "divider" },
    { type: "section", text: { type: "mrkdwn", text: `*${t(ctx.language, "card.checklist")}*` } },
    ...request.snapshot.checks.map((definition) => checkBlock(view, definition, request.checks.find((c) => c.checkId === definition.id)!, ctx)),
  ];
}

/** What is still missing, when the execution runs by itself, and the buttons that move the request on. */
function nextStepBlocks(view: RequestView, ctx: ViewContext): KnownBlock[] {
  const { request } = view;
  const blocks: KnownBlock[] = [];
  if (request.state === "open") {
    const missing = missingForExecution(request);
    if (missing.length) blocks.push(note(t(ctx.language, "card.missing", { items: describeMissing(missing, view, ctx) })));
  }
  const scheduledFor = executionMoment(request.snapshot.calendar, ctx.timezone, request.requestedAt, request.requestedOn);
  const waiting = request.state === "ready" && scheduledFor !== null && view.now < scheduledFor;
  if (waiting) blocks.push(note(t(ctx.language, "card.scheduled", { at: formatDateTime(scheduledFor, ctx) })));
  if (request.state !== "open" && request.state !== "ready") return blocks;
  const buttons: Button[] = request.state === "ready" && !waiting ? [executeButton(view, ctx)] : [];
  buttons.push({
    type: "button",
    action_id: Ids.action.withdraw,
    text: { type: "plain_text", text: t(ctx.language, "button.withdraw") },
    value: request.id,
    confirm: {
      title: { type: "plain_text", text: t(ctx.language, "confirm.withdraw.title") },
      text: { type: "plain_text", text: t(ctx.language, "confirm.withdraw.text") },
      confirm: { type: "plain_text", text: t(ctx.language, "button.confirm") },
      deny: { type: "plain_text", text: t(ctx.language, "button.cancel") },
    },
  });
  blocks.push({ type: "actions", block_id: Ids.block.requestActions, elements: buttons });
  return blocks;
}

/** Execute, confirmed with the actions it will take. */
function executeButton(view: RequestView, ctx: ViewContext): Button {
  const actions = view.request.snapshot.actions.map((a) => t(ctx.language, `action.${a}`)).join(", ");
  return {
    type: "button",
    action_id: Ids.action.execute,
    style: "primary",
    text: { type: "plain_text", text: t(ctx.language, "button.execute") },
    value: view.request.id,
    confirm: {
      title: { type: "plain_text", text: clip(t(ctx.language, "confirm.execute.title"), 100) },
      text: { type: "plain_text", text: clip(t(ctx.language, "confirm.execute.text", { actions }), 300) },
      confirm: { type: "plain_text", text: t(ctx.language, "button.confirm") },
      deny: { type: "plain_text", text: t(ctx.language, "button.cancel") },
      style: "danger",
    },
  };
}

/** The dunning ladder: each step done (who, when) or due (or snoozed), and whether the client answered. */
function ladderBlocks(view: RequestView, ctx: ViewContext): KnownBlock[] {
  if (view.ladder.length === 0) return [];
  const lines = view.ladder.map((step) => {
    const definition = view.request.snapshot.dunning.find((d) => d.id === step.stepId);
    const label = escapeText(definition ? labelFor(definition.label, ctx.language, ctx.policyLanguage) : step.stepId);
    const channel = t(ctx.language, `channel.${definition?.channel ?? "other"}`);
    if (step.doneAt) return t(ctx.language, "ladder.done", { label, channel, user: mention(step.doneBy ?? "?"), at: formatDateTime(step.doneAt, ctx) });
    if (step.snoozedUntil) return t(ctx.language, "ladder.snoozed", { label, channel, until: formatDateTime(step.snoozedUntil, ctx) });
    return t(ctx.language, "ladder.pending", { label, channel, due: formatDateTime(step.dueAt, ctx) });
  });
  const stopped = view.ladderStopped;
  if (stopped) lines.push(t(ctx.language, `ladder.stopped.${stopped.outcome}`, { user: mention(stopped.by), at: formatDateTime(stopped.at, ctx) }));
  return [{ type: "section", text: { type: "mrkdwn", text: clip(`*${t(ctx.language, "ladder.title")}*\n${lines.join("\n")}`, 3000) } }];
}

/** The dates the kind's calendar gives this request: the same as `offboard policy timeline`. */
function datesBlock(view: RequestView, ctx: ViewContext): KnownBlock[] {
  const { request } = view;
  const calendar = request.snapshot.calendar;
  const plain = !calendar.notice && calendar.serviceEnds.type === "immediately" && calendar.dataDeletion.type === "never";
  if (plain) return [];
  const timeline = computeTimeline(calendar, [], ctx.timezone, request.requestedAt, request.requestedOn);
  const month = (ym: string) => new Intl.DateTimeFormat(ctx.language === "en" ? "en-GB" : ctx.language, { month: "long", year: "numeric", timeZone: "UTC" }).format(new Date(`${ym}-01T00:00:00Z`));
  const dates: [string, string | null][] = [
    [t(ctx.language, "card.lastBilledMonth"), timeline.lastBilledMonth && month(timeline.lastBilledMonth)],
    [t(ctx.language, "card.serviceEnds"), formatCalendarDate(timeline.serviceEndsOn, ctx)],
    [t(ctx.language, "card.dataDeleted"), timeline.dataDeletedOn ? formatCalendarDate(timeline.dataDeletedOn, ctx) : t(ctx.language, "card.never")],
    [t(ctx.language, "card.reactivableUntil"), timeline.reactivableUntil && formatCalendarDate(timeline.reactivableUntil, ctx)],
  ];
  return [{ type: "section", fields: dates.filter(([, v]) => v).map(([k, v]) => ({ type: "mrkdwn" as const, text: `*${k}*\n${v}` })) }];
}

function stateLine(view: RequestView, ctx: ViewContext): string {
  const { request } = view;
  switch (request.state) {
    case "executed":
      return request.executedBy === "system"
        ? t(ctx.language, "card.state.executedScheduled", { at: formatDateTime(request.executedAt!, ctx) })
        : t(ctx.language, "card.state.executed", { user: mention(request.executedBy!), at: formatDateTime(request.executedAt!, ctx) });
    case "rejected":
      return t(ctx.language, "card.state.rejected", { user: mention(request.closedBy!), at: formatDateTime(request.closedAt!, ctx), reason: escapeText(request.closeReason ?? "") });
    case "withdrawn":
      return request.closeReason
        ? t(ctx.language, "card.state.withdrawnReason", { user: mention(request.closedBy!), at: formatDateTime(request.closedAt!, ctx), reason: escapeText(request.closeReason) })
        : t(ctx.language, "card.state.withdrawn", { user: mention(request.closedBy!), at: formatDateTime(request.closedAt!, ctx) });
    default:
      return t(ctx.language, `card.state.${request.state}`);
  }
}

function checkBlock(view: RequestView, definition: CheckDefinition, state: CheckState, ctx: ViewContext): SectionBlock {
  const { request } = view;
  const label = escapeText(labelFor(definition.label, ctx.language, ctx.policyLanguage)) + (definition.required ? "" : ` _(${t(ctx.language, "card.optional")})_`);
  // Checks that data deletion waits for stay open after inactivation, until the data is deleted.
  const forDeletion = (request.snapshot.calendar.deletionWaitsFor ?? []).includes(definition.id);
  const live = request.state === "open" || request.state === "ready" || (forDeletion && request.state === "executed" && !view.client.dataDeletedAt);
  let text: string;
  let button: Button | undefined;
  if (definition.automatic === "management_approval") {
    const approvers = approvalsGiven(request).map((a) => mention(a.approverId));
    const need = request.snapshot.approvals.required;
    text = state.status === "done"
      ? t(ctx.language, "check.approvedBy", { label, users: approvers.join(", ") })
      : t(ctx.language, "check.approvals", { label, have: approvers.length, need });
  } else if (definition.automatic === "dunning_complete") {
    const detail = describeDetail(definition, state, ctx);
    text = state.status === "done" ? t(ctx.language, "check.doneAutomatic", { label, detail }) : `${t(ctx.language, "check.pending", { label })} — ${detail}`;
  } else if (definition.type === "automatic") {
    const detail = describeDetail(definition, state, ctx);
    text =
      state.status === "done" ? t(ctx.language, "check.doneAutomatic", { label, detail })
      : state.status === "failed" ? t(ctx.language, "check.failed", { label, detail })
      : t(ctx.language, "check.notEvaluated", { label });
    if (live) button = { type: "button", action_id: Ids.action.recheck, text: { type: "plain_text", text: t(ctx.language, "button.recheck") }, value: checkButtonValue(request.id, definition.id) };
  } else {
    text = state.status === "done"
      ? t(ctx.language, "check.done", { label, user: mention(state.tickedBy!), at: formatDateTime(state.tickedAt!, ctx) })
      : t(ctx.language, "check.pending", { label });
    if (state.evidence) text += `\n${t(ctx.language, "check.evidence", { evidence: escapeText(state.evidence) })}`;
    if (live) {
      const done = state.status === "done";
      button = {
        type: "button",
        action_id: done ? Ids.action.untick : Ids.action.tick,
        text: { type: "plain_text", text: t(ctx.language, done ? "button.untick" : "button.tick") },
        value: done ? checkButtonValue(request.id, definition.id) : checkButtonValue(request.id, definition.id, definition.evidence !== "none"),
        ...(done ? {} : { style: "primary" as const }),
      };
    }
  }
  return { type: "section", block_id: `check:${definition.id}`, text: { type: "mrkdwn", text: clip(text, 3000) }, ...(button ? { accessory: button } : {}) };
}

const LISTED = 3;

/** "2 unpaid invoices: F-1001 USD 120.00 due 1 Aug 2026, …" from an automatic check's detail. */
export function describeDetail(definition: CheckDefinition, state: Pick<CheckState, "detail">, ctx: ViewContext): string {
  switch (definition.automatic) {
    case "no_pending_charges": {
      const detail = readCheckDetail("no_pending_charges", state.detail);
      if (!detail) return "";
      if (detail.count === 0) return t(ctx.language, "detail.noCharges");
      const items = detail.charges.slice(0, LISTED).map((c) =>
        t(ctx.language, "detail.chargeItem", { number: escapeText(c.number), amount: formatMoney(c.amountMinor, c.currency, ctx), due: formatCalendarDate(c.dueOn, ctx) }),
      );
      if (detail.count > items.length) items.push(t(ctx.language, "detail.andMore", { count: detail.count - items.length }));
      return t(ctx.language, "detail.charges", { count: detail.count, list: items.join(", ") });
    }
    case "dunning_complete": {
      const detail = readCheckDetail("dunning_complete", state.detail);
      return t(ctx.language, "detail.ladder", { done: detail?.done ?? 0, total: detail?.total ?? 0 });
    }
    case "no_equipment_out": {
      const detail = readCheckDetail("no_equipment_out", state.detail);
      if (!detail) return "";
      if (detail.count === 0) return t(ctx.language, "detail.noEquipment");
      const items = detail.equipment.slice(0, LISTED).map((e) => `${escapeText(e.description)} (${escapeText(e.serial)})`);
      if (detail.count > items.length) items.push(t(ctx.language, "detail.andMore", { count: detail.count - items.length }));
      return t(ctx.language, "detail.equipment", { count: detail.count, list: items.join(", ") });
    }
    default:
      return "";
  }
}

export function describeMissing(missing: Missing[], view: Pick<RequestView, "request">, ctx: ViewContext): string {
  return missing
    .map((m) => {
      if (m.type === "approvals") return t(ctx.language, "missing.approvals", { have: m.have, need: m.need });
      const definition = view.request.snapshot.checks.find((c) => c.id === m.checkId);
      const label = escapeText(definition ? labelFor(definition.label, ctx.language, ctx.policyLanguage) : m.checkId);
      return t(ctx.language, m.problem === "failed" ? "missing.failed" : "missing.check", { label });
    })
    .join(", ");
}
