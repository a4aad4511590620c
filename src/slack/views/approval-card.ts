import type { KnownBlock } from "@slack/types";
import { labelFor } from "../../domain/policy.ts";
import { approvalApplies, approvalsGiven } from "../../domain/request.ts";
import type { RequestView } from "../../db/request-views.ts";
import { t } from "../i18n/catalog.ts";
import { Ids } from "../ids.ts";
import { clip, escapeText, formatDateTime, mention, type ViewContext } from "./format.ts";
import type { Message } from "./request-card.ts";

/** The card in the management channel: what is asked, and Approve / Reject until it is decided. */
export function approvalCard(view: RequestView, ctx: ViewContext): Message {
  const { request, client } = view;
  const title = t(ctx.language, "approval.title", { number: request.number, client: client.name });
  const blocks: KnownBlock[] = [
    { type: "header", text: { type: "plain_text", text: clip(title, 150), emoji: true } },
    {
      type: "section",
      fields: [
        { type: "mrkdwn", text: `*${t(ctx.language, "card.client")}*\n${escapeText(client.name)} (${escapeText(client.ref)})` },
        { type: "mrkdwn", text: `*${t(ctx.language, "card.kind")}*\n${escapeText(labelFor(request.snapshot.label, ctx.language, ctx.policyLanguage))}` },
        { type: "mrkdwn", text: `*${t(ctx.language, "card.requestedBy")}*\n${mention(request.requestedBy)}` },
        { type: "mrkdwn", text: `*${t(ctx.language, "card.requestedAt")}*\n${formatDateTime(request.requestedAt, ctx)}` },
      ],
    },
    { type: "section", text: { type: "mrkdwn", text: clip(`*${t(ctx.language, "card.reason")}*\n${escapeText(request.reason)}`, 3000) } },
  ];

  const approvals = approvalsGiven(request);
  const need = request.snapshot.approvals.required;
  const rejection = request.approvals.find((a) => a.decision === "reject");
  if (rejection) {
    blocks.push(context(t(ctx.language, "approval.decided.rejected", { user: mention(rejection.approverId), at: formatDateTime(rejection.decidedAt, ctx), reason: escapeText(rejection.reason ?? "") })));
  } else if (approvals.length >= need) {
    blocks.push(context(t(ctx.language, "approval.decided.approved", { users: approvals.map((a) => mention(a.approverId)).join(", "), at: formatDateTime(approvals.at(-1)!.decidedAt, ctx) })));
  } else if (request.state !== "open" && request.state !== "ready") {
    blocks.push(context(t(ctx.language, "approval.closed", { state: t(ctx.language, `state.${request.state}`) })));
  } else {
    if (approvals.length > 0) {
      blocks.push(context(t(ctx.language, "approval.progress", { have: approvals.length, need, users: approvals.map((a) => mention(a.approverId)).join(", ") })));
    }
    if (approvalApplies(request)) {
      blocks.push({
        type: "actions",
        block_id: Ids.block.approvalActions,
        elements: [
          { type: "button", action_id: Ids.action.approve, style: "primary", text: { type: "plain_text", text: t(ctx.language, "button.approve") }, value: request.id },
          { type: "button", action_id: Ids.action.reject, style: "danger", text: { type: "plain_text", text: t(ctx.language, "button.reject") }, value: request.id },
        ],
      });
    }
  }
  return { text: title, blocks };
}

function context(text: string): KnownBlock {
  return { type: "context", elements: [{ type: "mrkdwn", text: clip(text, 3000) }] };
}
