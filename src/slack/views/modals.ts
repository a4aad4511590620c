import type { KnownBlock, ModalView, PlainTextOption } from "@slack/types";
import { labelFor, type CheckDefinition, type Policy } from "../../domain/policy.ts";
import { LIMITS } from "../../domain/request.ts";
import { t } from "../i18n/catalog.ts";
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
    {
      type: "input",
      block_id: Ids.block.reason,
      label: plain(t(ctx.language, "modal.reason")),
      hint: plain(t(ctx.language, "modal.reasonHint"), 150),
      element: { type: "plain_text_input", action_id: Ids.action.reason, multiline: true, max_length: LIMITS.reason },
    },
    {
      type: "input",
      block_id: Ids.block.askedBy,
      optional: true,
      label: plain(t(ctx.language, "modal.askedBy")),
      hint: plain(t(ctx.language, "modal.askedByHint"), 150),
      element: { type: "plain_text_input", action_id: Ids.action.askedBy, max_length: LIMITS.askedBy },
    },
    {
      type: "input",
      block_id: Ids.block.confirmation,
      optional: true,
      label: plain(t(ctx.language, "modal.confirmation")),
      hint: plain(t(ctx.language, "modal.confirmationHint"), 150),
      element: { type: "plain_text_input", action_id: Ids.action.confirmation, max_length: LIMITS.confirmation },
    },
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
    {
      type: "input",
      block_id: Ids.block.notes,
      optional: true,
      label: plain(t(ctx.language, "modal.notes")),
      element: { type: "plain_text_input", action_id: Ids.action.notes, multiline: true, max_length: LIMITS.notes },
    },
  );
  const metadata: DeactivateMetadata = fixed ? { fixedClientRef: fixed.ref } : {};
  return {
    type: "modal",
    callback_id: Ids.view.deactivate,
    title: plain(t(ctx.language, "modal.deactivate.title"), 24),
    submit: plain(t(ctx.language, "modal.deactivate.submit"), 24),
    close: plain(t(ctx.language, "modal.cancel"), 24),
    private_metadata: JSON.stringify(metadata),
    blocks,
  };
}

export interface CheckMetadata {
  requestId: string;
  checkId: string;
}

export function evidenceModal(requestId: string, check: CheckDefinition, ctx: ViewContext): ModalView {
  const label = escapeText(labelFor(check.label, ctx.language, ctx.policyLanguage));
  const metadata: CheckMetadata = { requestId, checkId: check.id };
  return {
    type: "modal",
    callback_id: Ids.view.evidence,
    title: plain(t(ctx.language, "modal.evidence.title"), 24),
    submit: plain(t(ctx.language, "modal.evidence.submit"), 24),
    close: plain(t(ctx.language, "modal.cancel"), 24),
    private_metadata: JSON.stringify(metadata),
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: t(ctx.language, check.evidence === "required" ? "modal.evidence.required" : "modal.evidence.optional", { label }) } },
      {
        type: "input",
        block_id: Ids.block.evidence,
        optional: check.evidence !== "required",
        label: plain(t(ctx.language, "modal.evidence.label")),
        element: { type: "plain_text_input", action_id: Ids.action.evidence, multiline: true, max_length: LIMITS.evidence },
      },
    ],
  };
}

export interface RequestMetadata {
  requestId: string;
}

export function rejectModal(request: { id: string; number: number }, clientName: string, ctx: ViewContext): ModalView {
  const metadata: RequestMetadata = { requestId: request.id };
  return {
    type: "modal",
    callback_id: Ids.view.reject,
    title: plain(t(ctx.language, "modal.reject.title"), 24),
    submit: plain(t(ctx.language, "modal.reject.submit"), 24),
    close: plain(t(ctx.language, "modal.cancel"), 24),
    private_metadata: JSON.stringify(metadata),
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: t(ctx.language, "modal.reject.intro", { number: request.number, client: escapeText(clientName) }) } },
      {
        type: "input",
        block_id: Ids.block.rejectReason,
        label: plain(t(ctx.language, "modal.reject.label")),
        element: { type: "plain_text_input", action_id: Ids.action.rejectReason, multiline: true, max_length: LIMITS.closeReason },
      },
    ],
  };
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
  return {
    type: "modal",
    callback_id: Ids.view.reactivate,
    title: plain(t(ctx.language, "modal.reactivate.title"), 24),
    submit: plain(t(ctx.language, "modal.reactivate.submit"), 24),
    close: plain(t(ctx.language, "modal.cancel"), 24),
    private_metadata: JSON.stringify(metadata),
    blocks: lines.map((text) => ({ type: "section", text: { type: "mrkdwn", text } })),
  };
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
