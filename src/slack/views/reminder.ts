import type { KnownBlock, ModalView } from "@slack/types";
import { computeTimeline } from "../../domain/calendar.ts";
import { LIMITS } from "../../domain/request.ts";
import { labelFor, type DunningStep, type Policy } from "../../domain/policy.ts";
import type { DueReminder } from "../../services/dunning.ts";
import { fillMessage, messageIn, stepMessages } from "../../domain/messages.ts";
import { t, type MessageKey } from "../i18n/catalog.ts";
import { Ids } from "../ids.ts";
import { clip, escapeText, formatCalendarDate, formatDateTime, mention, type ViewContext } from "./format.ts";
import { formModal } from "./modals.ts";
import type { Message } from "./request-card.ts";

export function stepButtonValue(requestId: string, stepId: string): string {
  return JSON.stringify({ r: requestId, s: stepId });
}

/** A reminder in the request's thread: the owner is mentioned, the buttons do the step, snooze it, or stop the ladder. */
export function reminderMessage(reminder: DueReminder, clientName: string, policy: Policy, ctx: ViewContext): Message {
  const { request, step, count, escalate } = reminder;
  const definition = request.snapshot.dunning.find((d) => d.id === step.stepId);
  const label = escapeText(definition ? labelFor(definition.label, ctx.language, ctx.policyLanguage) : step.stepId);
  const channel = t(ctx.language, `channel.${definition?.channel ?? "other"}`);
  const params = { owner: mention(step.owner), label, channel, client: escapeText(clientName), due: formatDateTime(step.dueAt, ctx), count };
  const lines = [t(ctx.language, count === 1 ? "reminder.text" : "reminder.again", params)];
  if (escalate) {
    const approvers = [...policy.approvers.users.map(mention), ...(policy.approvers.usergroup ? [`<!subteam^${policy.approvers.usergroup}>`] : [])];
    lines.push(t(ctx.language, "reminder.escalate", { approvers: approvers.join(" "), count: count - 1 }));
  }
  if (definition?.finalNotice) lines.push(...finalNotice(definition, reminder, clientName, ctx));
  const value = stepButtonValue(request.id, step.stepId);
  const blocks: KnownBlock[] = [
    { type: "section", text: { type: "mrkdwn", text: clip(lines.join("\n"), 3000) } },
    {
      type: "actions",
      block_id: Ids.block.reminderActions,
      elements: [
        { type: "button", action_id: Ids.action.stepDone, style: "primary", text: { type: "plain_text", text: t(ctx.language, "button.stepDone") }, value },
        { type: "button", action_id: Ids.action.snoozeDay, text: { type: "plain_text", text: t(ctx.language, "button.snoozeDay") }, value },
        { type: "button", action_id: Ids.action.snoozeUntil, text: { type: "plain_text", text: t(ctx.language, "button.snoozeUntil") }, value },
        { type: "button", action_id: Ids.action.reassign, text: { type: "plain_text", text: t(ctx.language, "button.reassign") }, value },
        { type: "button", action_id: Ids.action.clientAnswered, text: { type: "plain_text", text: t(ctx.language, "button.clientAnswered") }, value },
        { type: "button", action_id: Ids.action.clientPaid, text: { type: "plain_text", text: t(ctx.language, "button.clientPaid") }, value },
      ],
    },
  ];
  return { text: lines[0]!, blocks };
}

/** Seed 000: the final email and WhatsApp give the date access ends, filled into the policy's template. */
function finalNotice(definition: DunningStep, reminder: DueReminder, clientName: string, ctx: ViewContext): string[] {
  const { request } = reminder;
  const cutoffIso = computeTimeline(request.snapshot.calendar, [], ctx.timezone, request.requestedAt, request.requestedOn).serviceEndsOn;
  const cutoff = formatCalendarDate(cutoffIso, ctx);
  const lines = [t(ctx.language, "reminder.finalNotice", { cutoff })];
  // The step's message (or its older template), in the reader's language, else the policy's: quoted as it will read.
  const messages = stepMessages(definition);
  const chosen = messages && messageIn(messages, ctx.language, ctx.policyLanguage);
  if (chosen) {
    const filled = fillMessage(chosen.text, { client: clientName, cutoff });
    const text = filled.subject ? `*${filled.subject}*\n${filled.body}` : filled.body;
    lines.push(...escapeText(text).split("\n").map((line) => `> ${line}`));
  }
  return lines;
}

/** Lines per digest message: two blocks each, within Slack's 50. */
export const DIGEST_SIZE = 20;

/** Many reminders due at once: one message in the channel instead of a burst of thread replies. */
export function digestMessage(reminders: { reminder: DueReminder; clientName: string }[], total: number, ctx: ViewContext): Message {
  const title = t(ctx.language, "digest.title", { count: total });
  const blocks: KnownBlock[] = [{ type: "section", text: { type: "mrkdwn", text: `*${title}*` } }];
  for (const { reminder, clientName } of reminders) {
    const { request, step } = reminder;
    const definition = request.snapshot.dunning.find((d) => d.id === step.stepId);
    const line = t(ctx.language, "digest.line", {
      owner: mention(step.owner),
      label: escapeText(definition ? labelFor(definition.label, ctx.language, ctx.policyLanguage) : step.stepId),
      channel: t(ctx.language, `channel.${definition?.channel ?? "other"}`),
      client: escapeText(clientName),
      number: request.number,
      due: formatDateTime(step.dueAt, ctx),
    });
    blocks.push({
      type: "section",
      text: { type: "mrkdwn", text: clip(line, 3000) },
      accessory: { type: "button", action_id: Ids.action.stepDone, text: { type: "plain_text", text: t(ctx.language, "button.stepDone") }, value: stepButtonValue(request.id, step.stepId) },
    });
  }
  blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: t(ctx.language, "digest.more") }] });
  return { text: title, blocks };
}

export interface StepMetadata {
  requestId: string;
  stepId: string;
}

/** The small forms about one step carry the step in their metadata. */
function stepModal(callbackId: string, keys: { title: MessageKey; submit: MessageKey }, requestId: string, definition: DunningStep, intro: string, input: KnownBlock, ctx: ViewContext): ModalView {
  const metadata: StepMetadata = { requestId, stepId: definition.id };
  return formModal({ callbackId, ...keys }, metadata, [{ type: "section", text: { type: "mrkdwn", text: clip(intro, 3000) } }, input], ctx);
}

const stepLabel = (definition: DunningStep, ctx: ViewContext) => escapeText(labelFor(definition.label, ctx.language, ctx.policyLanguage));

export function stepDoneModal(requestId: string, definition: DunningStep, ctx: ViewContext): ModalView {
  const intro = t(ctx.language, "modal.step.intro", { label: stepLabel(definition, ctx), channel: t(ctx.language, `channel.${definition.channel}`) });
  return stepModal(Ids.view.stepDone, { title: "modal.step.title", submit: "modal.step.submit" }, requestId, definition, intro, {
    type: "input",
    block_id: Ids.block.evidence,
    label: { type: "plain_text", text: t(ctx.language, "modal.evidence.label") },
    element: { type: "plain_text_input", action_id: Ids.action.evidence, multiline: true, max_length: LIMITS.evidence },
  }, ctx);
}

export function snoozeModal(requestId: string, definition: DunningStep, tomorrow: string, ctx: ViewContext): ModalView {
  return stepModal(Ids.view.snooze, { title: "modal.snooze.title", submit: "modal.snooze.submit" }, requestId, definition, t(ctx.language, "modal.snooze.intro", { label: stepLabel(definition, ctx) }), {
    type: "input",
    block_id: Ids.block.snoozeDate,
    label: { type: "plain_text", text: t(ctx.language, "modal.snooze.label") },
    element: { type: "datepicker", action_id: Ids.action.snoozeDate, initial_date: tomorrow },
  }, ctx);
}

export function reassignModal(requestId: string, definition: DunningStep, owner: string, ctx: ViewContext): ModalView {
  return stepModal(Ids.view.reassign, { title: "modal.reassign.title", submit: "modal.reassign.submit" }, requestId, definition, t(ctx.language, "modal.reassign.label", { label: stepLabel(definition, ctx) }), {
    type: "input",
    block_id: Ids.block.newOwner,
    label: { type: "plain_text", text: t(ctx.language, "modal.reassign.field") },
    element: { type: "users_select", action_id: Ids.action.newOwner, initial_user: owner },
  }, ctx);
}
