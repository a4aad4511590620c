import { describeDomainError } from "../../../domain/errors.ts";
import type { App } from "@slack/bolt";
import { localDate } from "../../../domain/calendar.ts";
import type { SlackDeps } from "../../context.ts";
import { t } from "../../i18n/catalog.ts";
import { Ids } from "../../ids.ts";
import { readCommand } from "../actions/respond.ts";
import { escapeText } from "../../views/format.ts";
import { clientOptions, deactivateModal } from "../../views/modals.ts";
import { z } from "zod";
import { readSor } from "../../../services/sor-calls.ts";
import type { ViewContext } from "../../views/format.ts";
import { errorText } from "../../views/errors.ts";
import { openModalAfter, within, type ModalOrText } from "../modal-after.ts";

/** `/deactivate acme`: the modal for the client; `/deactivate` or `help`: usage and the user's open requests. */
export function register(app: App, deps: SlackDeps): void {
  app.command(Ids.command.deactivate, async ({ ack, body, client, respond }) => {
    await ack();
    const read = await readCommand(deps, respond, body);
    if (!read) return;
    const { command, ctx, say, query } = read;

    if (read.asksHelp) {
      const mine = await deps.services.store.requestViews.openRequestsOf(command.user_id);
      const lines = mine.map((r) => t(ctx.language, "command.requestLine", { number: r.number, client: escapeText(r.client.name), state: t(ctx.language, `state.${r.state}`) }));
      await say([t(ctx.language, "command.usage"), "", lines.length ? t(ctx.language, "command.yourRequests") : t(ctx.language, "command.noRequests"), ...lines].join("\n"));
      return;
    }

    const ctxTitle = t(ctx.language, "modal.deactivate.title");
    await openModalAfter(deps, client, command.trigger_id, { title: ctxTitle, ctx }, () => decide(deps, query, ctx));
  });
}

/** What `/deactivate QUERY` shows: the form for the matching active clients, or why there is none. */
async function decide(deps: SlackDeps, query: string, ctx: ViewContext): Promise<ModalOrText> {
  const search = await readSor(() => deps.services.sor.findClients(query, 100));
  if (!search.ok) return { text: errorText(search.error, ctx) };
  const matches = search.value;
  const active = matches.filter((c) => c.status === "active");
  if (matches.length === 0) {
    const suggestions = await closestNames(deps, query);
    return { text: [t(ctx.language, "command.notFound", { query: escapeText(query) }), suggestions.length ? t(ctx.language, "command.suggestions", { names: suggestions.map(escapeText).join(", ") }) : ""].join("\n").trim() };
  }
  if (active.length === 0) return { text: t(ctx.language, "command.inactive", { client: escapeText(matches[0]!.name) }) };
  if (active.length === 1) {
    const live = await deps.services.store.requests.findLiveFor(active[0]!.id);
    if (live) return { text: t(ctx.language, "command.alreadyOpenNoLink", { client: escapeText(active[0]!.name), number: live.number, state: t(ctx.language, `state.${live.state}`) }) };
  }
  const today = localDate(deps.services.clock.now(), deps.policy.timezone);
  return { modal: deactivateModal({ policy: deps.policy, clients: active, query, today }, ctx) };
}

const suggestion = z.object({ user: z.object({ id: z.string() }), value: z.string().max(100).default("") });

/** How long the picker's typeahead waits for the system of record: Slack drops options answered after 3 seconds. */
const QUICK_OPTIONS_MS = 2_500;

/** The client picker's typeahead: active clients matching what the user typed. */
export function registerClientSearch(app: App, deps: SlackDeps): void {
  app.options(Ids.action.client, async ({ ack, body }) => {
    const parsed = suggestion.safeParse(body);
    // Slack waits 3 seconds for options: a refusal or a slow system of record is an empty list, said in the log.
    const search = parsed.success ? await within(QUICK_OPTIONS_MS, readSor(() => deps.services.sor.findClients(parsed.data.value, 100))) : null;
    if (search && (!search.done || !search.value.ok)) deps.log("client search for the picker failed", search.done && !search.value.ok ? describeDomainError(search.value.error) : "no answer in time");
    const found = search?.done && search.value.ok ? search.value.value : [];
    await ack({ options: clientOptions(found.filter((c) => c.status === "active")) });
  });
}

/** Names sharing a word with the query, for "did you mean". */
async function closestNames(deps: SlackDeps, query: string): Promise<string[]> {
  const words = query.split(/\s+/).filter((w) => w.length >= 3);
  const found = new Map<string, string>();
  for (const word of words) {
    // Suggestions are a courtesy: a system of record that refuses them leaves them out.
    const search = await readSor(() => deps.services.sor.findClients(word.slice(0, Math.max(3, word.length - 2)), 5));
    for (const c of search.ok ? search.value : []) found.set(c.ref, `${c.name} (${c.ref})`);
    if (found.size >= 5) break;
  }
  return [...found.values()].slice(0, 5);
}
