import type { App } from "@slack/bolt";
import { previewReactivation, reactivateClient } from "../../../services/requests.ts";
import { userContext, type SlackDeps } from "../../context.ts";
import { t } from "../../i18n/catalog.ts";
import { Ids } from "../../ids.ts";
import { readCommand } from "../actions/respond.ts";
import { parseJson, viewSubmission } from "../../payloads.ts";
import { z } from "zod";
import { errorText } from "../../views/errors.ts";
import { escapeText } from "../../views/format.ts";
import { doneModal, reactivateModal } from "../../views/modals.ts";

const reactivateMetadata = z.object({ clientRef: z.string().min(1).max(64) });

/** `/reactivate acme`: a confirmation saying what stays as it is; the result goes to the original request's thread. */
export function register(app: App, deps: SlackDeps): void {
  app.command(Ids.command.reactivate, async ({ ack, body, client, respond }) => {
    await ack();
    const read = await readCommand(deps, respond, body);
    if (!read) return;
    const { command, ctx, say, query } = read;
    if (read.asksHelp) return void (await say(t(ctx.language, "reactivate.usage")));

    const inactive = (await deps.services.sor.findClients(query, 20)).filter((c) => c.status === "inactive");
    if (inactive.length === 0) return void (await say(t(ctx.language, "reactivate.notFound", { query: escapeText(query) })));
    const exact = inactive.find((c) => c.ref.toLowerCase() === query.toLowerCase());
    if (!exact && inactive.length > 1) {
      return void (await say(t(ctx.language, "reactivate.several", { query: escapeText(query), names: inactive.map((c) => `${escapeText(c.name)} (${escapeText(c.ref)})`).join(", ") })));
    }
    const target = exact ?? inactive[0]!;
    const preview = await previewReactivation(deps.services, target.ref);
    if (!preview.ok) return void (await say(errorText(preview.error, ctx)));
    await client.views.open({ trigger_id: command.trigger_id, view: reactivateModal(target, preview.plan.unchanged, ctx) });
  });

  app.view(Ids.view.reactivate, async ({ ack, body }) => {
    const payload = viewSubmission.safeParse(body);
    const metadata = payload.success ? parseJson(reactivateMetadata, payload.data.view.private_metadata) : null;
    if (!payload.success || !metadata) {
      await ack({ response_action: "update", view: doneModal(t(deps.policy.language, "modal.reactivate.title"), t(deps.policy.language, "error.badPayload"), { language: deps.policy.language, policyLanguage: deps.policy.language, timezone: deps.policy.timezone }) });
      return;
    }
    const ctx = await userContext(deps, payload.data.user.id);
    const result = await reactivateClient(deps.services, metadata.clientRef, payload.data.user.id);
    const client = await deps.services.sor.getClient(metadata.clientRef);
    const text = result.ok ? t(ctx.language, "modal.reactivate.done", { name: escapeText(client?.name ?? metadata.clientRef) }) : errorText(result.error, ctx);
    await ack({ response_action: "update", view: doneModal(t(ctx.language, "modal.reactivate.title"), text, ctx) });
    if (result.ok && result.afterRequest) await deps.publisher.publish(result.afterRequest.id);
  });
}
