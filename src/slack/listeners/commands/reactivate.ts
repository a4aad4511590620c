import type { App } from "@slack/bolt";
import { previewReactivation, reactivateClient } from "../../../services/requests.ts";
import { userContext, type SlackDeps } from "../../context.ts";
import { t } from "../../i18n/catalog.ts";
import { Ids } from "../../ids.ts";
import { readCommand } from "../actions/respond.ts";
import { parseJson, viewSubmission } from "../../payloads.ts";
import { z } from "zod";
import type { ViewContext } from "../../views/format.ts";
import { openModalAfter, waitingModal, within, type ModalOrText } from "../modal-after.ts";
import { SUBMISSION_DEADLINE_MS } from "../views/deactivate-submit.ts";
import { readSor } from "../../../services/sor-calls.ts";
import { errorText } from "../../views/errors.ts";
import { escapeText } from "../../views/format.ts";
import { doneModal, reactivateModal } from "../../views/modals.ts";

/** What `/reactivate QUERY` shows: the confirmation for the one inactive client it names, or why not. */
async function decide(deps: SlackDeps, query: string, ctx: ViewContext): Promise<ModalOrText> {
  const search = await readSor(() => deps.services.sor.findClients(query, 20));
  if (!search.ok) return { text: errorText(search.error, ctx) };
  const inactive = search.value.filter((c) => c.status === "inactive");
  if (inactive.length === 0) return { text: t(ctx.language, "reactivate.notFound", { query: escapeText(query) }) };
  const exact = inactive.find((c) => c.ref.toLowerCase() === query.toLowerCase());
  if (!exact && inactive.length > 1) {
    return { text: t(ctx.language, "reactivate.several", { query: escapeText(query), names: inactive.map((c) => `${escapeText(c.name)} (${escapeText(c.ref)})`).join(", ") }) };
  }
  const target = exact ?? inactive[0]!;
  const preview = await previewReactivation(deps.services, target.ref);
  if (!preview.ok) return { text: errorText(preview.error, ctx) };
  return { modal: reactivateModal(target, preview.plan.unchanged, ctx) };
}

const reactivateMetadata = z.object({ clientRef: z.string().min(1).max(64) });

/** `/reactivate acme`: a confirmation saying what stays as it is; the result goes to the original request's thread. */
export function register(app: App, deps: SlackDeps): void {
  app.command(Ids.command.reactivate, async ({ ack, body, client, respond }) => {
    await ack();
    const read = await readCommand(deps, respond, body);
    if (!read) return;
    const { command, ctx, say, query } = read;
    if (read.asksHelp) return void (await say(t(ctx.language, "reactivate.usage")));

    await openModalAfter(deps, client, command.trigger_id, { title: t(ctx.language, "modal.reactivate.title"), ctx }, () => decide(deps, query, ctx));
  });

  app.view(Ids.view.reactivate, async ({ ack, body, client }) => {
    const payload = viewSubmission.safeParse(body);
    const metadata = payload.success ? parseJson(reactivateMetadata, payload.data.view.private_metadata) : null;
    if (!payload.success || !metadata) {
      await ack({ response_action: "update", view: doneModal(t(deps.policy.language, "modal.reactivate.title"), t(deps.policy.language, "error.badPayload"), { language: deps.policy.language, policyLanguage: deps.policy.language, timezone: deps.policy.timezone }) });
      return;
    }
    const ctx = await userContext(deps, payload.data.user.id);
    const title = t(ctx.language, "modal.reactivate.title");
    const work = (async () => {
      const result = await reactivateClient(deps.services, metadata.clientRef, payload.data.user.id);
      if (!result.ok) return { result, text: errorText(result.error, ctx) };
      // Only for the name: a system of record that cannot say it leaves the ref.
      const found = await readSor(() => deps.services.sor.getClient(metadata.clientRef));
      return { result, text: t(ctx.language, "modal.reactivate.done", { name: escapeText((found.ok ? found.value?.name : null) ?? metadata.clientRef) }) };
    })();
    // Slack waits 3 seconds for the answer, whatever the system of record does.
    const quick = await within(SUBMISSION_DEADLINE_MS, work);
    if (!quick.done) await ack({ response_action: "update", view: waitingModal(title, ctx, "modal.working") });
    let outcome: Awaited<typeof work>;
    try {
      outcome = await work;
    } catch (error) {
      if (quick.done) throw error;
      deps.log("a slow reactivation failed", error);
      await client.views.update({ view_id: payload.data.view.id, view: doneModal(title, t(ctx.language, "error.unexpected"), ctx) });
      return;
    }
    if (quick.done) await ack({ response_action: "update", view: doneModal(title, outcome.text, ctx) });
    else await client.views.update({ view_id: payload.data.view.id, view: doneModal(title, outcome.text, ctx) });
    const { result } = outcome;
    if (result.ok && result.afterRequest) await deps.publisher.publish(result.afterRequest.id);
  });
}
