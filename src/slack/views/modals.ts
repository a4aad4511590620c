import type { KnownBlock, ModalView, PlainTextOption } from "@slack/types";
import { labelFor, type CheckDefinition, type Policy } from "../../domain/policy.ts";
import { LIMITS } from "../../domain/request.ts";
import { t, type MessageKey } from "../i18n/catalog.ts";
import { Ids } from "../ids.ts";
import { clip, escapeText, type ViewContext } from "./format.ts";

export interface ClientChoice {
  ref: string;
  name: string;
  thirdParty: boolean;
}

export interface DeactivateModalInput {
  policy: Policy;
  /** One client: shown, fixed. Several: a picker. */
  clients: ClientChoice[];
  query: string;
  /** YYYY-MM-DD in the policy's time zone. */
  today: string;
}

/** private_metadata of the deactivate modal: only a hint, re-checked on submit. */
export interface DeactivateMetadata {
  fixedClientRef?: string;
}

const plain = (text: string, max = 75) => ({ type: "plain_text" as const, text: clip(text, max), emoji: true });

/** A form: title, submit and cancel (Slack allows 24 characters each), what it is about in private_metadata, its blocks. */
export function formModal(
  form: { callbackId: string; title: MessageKey; submit: MessageKey },
  metadata: object,
  blocks: KnownBlock[],
  ctx: ViewContext,
): ModalView {
  return {
    type: "modal",
    callback_id: form.callbackId,
    title: plain(t(ctx.language, form.title), 24),
    submit: plain(t(ctx.language, form.submit), 24),
    close: plain(t(ctx.language, "modal.cancel"), 24),
    private_metadata: JSON.stringify(metadata),
    blocks,
  };
}

/** A text field of a form, limited to what the domain accepts. */
function textInput(
  field: { block: string; action: string; max: number },
  label: string,
  options: { hint?: string; optional?: boolean; multiline?: boolean } = {},
): KnownBlock {
  return {
    type: "input",
    block_id: field.block,
    ...(options.optional ? { optional: true } : {}),
    label: plain(label),
    ...(options.hint ? { hint: plain(options.hint, 150) } : {}),
    element: { type: "plain_text_input", action_id: field.action, max_length: field.max, ...(options.multiline ? { multiline: true } : {}) },
  };
}

export function deactivateModal(input: DeactivateModalInput, ctx: ViewContext): ModalView {
  const { policy, clients } = input;
  const fixed = clients.length === 1 ? clients[0]! : undefined;
  const kinds = Object.values(policy.kinds);
  const kindOptions: PlainTextOption[] = kinds.map((k) => ({ text: plain(labelFor(k.label, ctx.language, ctx.policyLanguage)), value: k.id }));
  const thirdPartyOption: PlainTextOption = { text: plain(t(ctx.language, "modal.thirdPartyOption")), value: "yes" };

  const blocks: KnownBlock[] = [];
  if (fixed) {
    blocks.push({ type: "section", block_id: Ids.block.client, text: { type: "mrkdwn", text: `*${t(ctx.language, "modal.client")}*\n${t(ctx.language, "modal.clientFixed", { name: escapeText(fixed.name), ref: escapeText(fixed.ref) })}` } });
  } else {
    blocks.push({
      type: "input",
      block_id: Ids.block.client,
      label: plain(t(ctx.language, "modal.client")),
      hint: plain(t(ctx.language, "modal.clientPick", { query: input.query }), 150),
      // Typeahead over the ledger, starting from the matches of the command's text.
      element: {
        type: "external_select",
        action_id: Ids.action.client,
        min_query_length: 1,
        placeholder: plain(input.query),
      },
    });
  }
  blocks.push(
    {
      type: "input",
      block_id: Ids.block.kind,
      label: plain(t(ctx.language, "modal.kind")),
      element: { type: "static_select", action_id: Ids.action.kind, options: kindOptions, ...(kindOptions.length === 1 ? { initial_option: kindOptions[0] } : {}) },
    },
    textInput({ block: Ids.block.reason, action: Ids.action.reason, max: LIMITS.reason }, t(ctx.language, "modal.reason"), { hint: t(ctx.language, "modal.reasonHint"), multiline: true }),
    textInput({ block: Ids.block.askedBy, action: Ids.action.askedBy, max: LIMITS.askedBy }, t(ctx.language, "modal.askedBy"), { hint: t(ctx.language, "modal.askedByHint"), optional: true }),
    textInput({ block: Ids.block.confirmation, action: Ids.action.confirmation, max: LIMITS.confirmation }, t(ctx.language, "modal.confirmation"), { hint: t(ctx.language, "modal.confirmationHint"), optional: true }),
    {
      type: "input",
      block_id: Ids.block.thirdParty,
      optional: true,
      label: plain(t(ctx.language, "modal.thirdParty")),
      element: { type: "checkboxes", action_id: Ids.action.thirdParty, options: [thirdPartyOption], ...(fixed?.thirdParty ? { initial_options: [thirdPartyOption] } : {}) },
    },
    {
      type: "input",
      block_id: Ids.block.requestedOn,
      label: plain(t(ctx.language, "modal.requestedOn")),
      element: { type: "datepicker", action_id: Ids.action.requestedOn, initial_date: input.today },
    },
    textInput({ block: Ids.block.notes, action: Ids.action.notes, max: LIMITS.notes }, t(ctx.language, "modal.notes"), { optional: true, multiline: true }),
  );
  const metadata: DeactivateMetadata = fixed ? { fixedClientRef: fixed.ref } : {};
  return formModal({ callbackId: Ids.view.deactivate, title: "modal.deactivate.title", submit: "modal.deactivate.submit" }, metadata, blocks, ctx);
}

export interface CheckMetadata {
  requestId: string;
  checkId: string;
}

export function evidenceModal(requestId: string, check: CheckDefinition, ctx: ViewContext): ModalView {
  const label = escapeText(labelFor(check.label, ctx.language, ctx.policyLanguage));
  const metadata: CheckMetadata = { requestId, checkId: check.id };
  return formModal({ callbackId: Ids.view.evidence, title: "modal.evidence.title", submit: "modal.evidence.submit" }, metadata, [
      { type: "section", text: { type: "mrkdwn", text: t(ctx.language, check.evidence === "required" ? "modal.evidence.required" : "modal.evidence.optional", { label }) } },
      textInput({ block: Ids.block.evidence, action: Ids.action.evidence, max: LIMITS.evidence }, t(ctx.language, "modal.evidence.label"), {
        optional: check.evidence !== "required",
        multiline: true,
      }),
    ], ctx);
}

export interface RequestMetadata {
  requestId: string;
}

export function rejectModal(request: { id: string; number: number }, clientName: string, ctx: ViewContext): ModalView {
  const metadata: RequestMetadata = { requestId: request.id };
  return formModal({ callbackId: Ids.view.reject, title: "modal.reject.title", submit: "modal.reject.submit" }, metadata, [
    { type: "section", text: { type: "mrkdwn", text: t(ctx.language, "modal.reject.intro", { number: request.number, client: escapeText(clientName) }) } },
    textInput({ block: Ids.block.rejectReason, action: Ids.action.rejectReason, max: LIMITS.closeReason }, t(ctx.language, "modal.reject.label"), { multiline: true }),
  ], ctx);
}

export interface ReactivateMetadata {
  clientRef: string;
}

export function reactivateModal(client: { ref: string; name: string }, unchanged: { invoicesOnHold: boolean; subscriptionsCancelled: boolean }, ctx: ViewContext): ModalView {
  const metadata: ReactivateMetadata = { clientRef: client.ref };
  const lines = [
    t(ctx.language, "modal.reactivate.intro", { name: escapeText(client.name), ref: escapeText(client.ref) }),
    ...(unchanged.invoicesOnHold ? [t(ctx.language, "modal.reactivate.invoicesOnHold")] : []),
    ...(unchanged.subscriptionsCancelled ? [t(ctx.language, "modal.reactivate.subscriptionsCancelled")] : []),
  ];
  const blocks: KnownBlock[] = lines.map((text) => ({ type: "section", text: { type: "mrkdwn", text } }));
  return formModal({ callbackId: Ids.view.reactivate, title: "modal.reactivate.title", submit: "modal.reactivate.submit" }, metadata, blocks, ctx);
}

/** What a modal turns into once its work is done. */
export function doneModal(title: string, text: string, ctx: ViewContext): ModalView {
  return {
    type: "modal",
    title: plain(title, 24),
    close: plain(t(ctx.language, "modal.done"), 24),
    blocks: [{ type: "section", text: { type: "mrkdwn", text: clip(text, 3000) } }],
  };
}

/** Options for the client picker's typeahead. */
export function clientOptions(clients: ClientChoice[]): PlainTextOption[] {
  return clients.slice(0, 100).map((c) => ({ text: plain(`${c.name} (${c.ref})`), value: c.ref }));
}
