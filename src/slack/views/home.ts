import type { HomeView, KnownBlock, ModalView } from "@slack/types";
import { labelFor } from "../../domain/policy.ts";
import type { Home, HomeRequest } from "../../services/home.ts";
import { t } from "../i18n/catalog.ts";
import { Ids } from "../ids.ts";
import { clip, escapeText, formatDateTime, mention, type ViewContext } from "./format.ts";

type Inactive = { name: string; ref: string; at: Date | null; by: string | null };

function section(title: string, lines: string[], ctx: ViewContext): KnownBlock {
  const body = lines.length ? lines.join("\n") : t(ctx.language, "home.none");
  return { type: "section", text: { type: "mrkdwn", text: clip(`${title}\n${body}`, 3000) } };
}

function requestLine(r: HomeRequest, ctx: ViewContext): string {
  return t(ctx.language, "home.requestLine", { number: r.number, client: escapeText(r.client), state: t(ctx.language, `state.${r.state as "open"}`) });
}

function inactiveLine(c: Inactive, ctx: ViewContext): string {
  return t(ctx.language, "home.recentLine", { name: escapeText(c.name), ref: escapeText(c.ref), at: c.at ? formatDateTime(c.at, ctx) : "?", user: c.by ? mention(c.by) : "?" });
}

export function homeView(home: Home, ctx: ViewContext): HomeView {
  return {
    type: "home",
    blocks: [
      { type: "header", text: { type: "plain_text", text: t(ctx.language, "home.title") } },
      section(t(ctx.language, "home.mine"), home.mine.map((r) => requestLine(r, ctx)), ctx),
      section(t(ctx.language, "home.awaiting"), home.awaitingMe.map((r) => requestLine(r, ctx)), ctx),
      section(
        t(ctx.language, "home.checks"),
        home.checksOnMe.map((c) => t(ctx.language, "home.checkLine", { number: c.number, client: escapeText(c.client), label: escapeText(labelFor(c.label, ctx.language, ctx.policyLanguage)) })),
        ctx,
      ),
      { type: "divider" },
      section(t(ctx.language, "home.recent"), home.recentlyInactivated.map((c) => inactiveLine(c, ctx)), ctx),
      {
        type: "actions",
        elements: [{ type: "button", action_id: Ids.action.listInactive, text: { type: "plain_text", text: t(ctx.language, "home.listInactive") } }],
      },
    ],
  };
}

export function inactiveClientsModal(list: { total: number; clients: Inactive[] }, ctx: ViewContext): ModalView {
  const blocks: KnownBlock[] = [{ type: "context", elements: [{ type: "mrkdwn", text: t(ctx.language, "modal.inactive.count", { count: list.total }) }] }];
  // 25 clients per section keeps each under Slack's 3,000 characters.
  for (let i = 0; i < list.clients.length; i += 25) {
    blocks.push({ type: "section", text: { type: "mrkdwn", text: clip(list.clients.slice(i, i + 25).map((c) => inactiveLine(c, ctx)).join("\n"), 3000) } });
  }
  if (list.total > list.clients.length) {
    blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: t(ctx.language, "modal.inactive.more", { count: list.total - list.clients.length }) }] });
  }
  return {
    type: "modal",
    callback_id: Ids.view.inactiveClients,
    title: { type: "plain_text", text: clip(t(ctx.language, "modal.inactive.title"), 24) },
    close: { type: "plain_text", text: clip(t(ctx.language, "modal.done"), 24) },
    blocks,
  };
}
