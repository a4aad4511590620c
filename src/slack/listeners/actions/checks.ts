import type { App } from "@slack/bolt";
import { refreshAutomaticChecks, tickCheck, untickCheck } from "../../../services/requests.ts";
import { userContext, type SlackDeps } from "../../context.ts";
import { Ids } from "../../ids.ts";
import { blockAction, checkValue } from "../../payloads.ts";
import { evidenceModal } from "../../views/modals.ts";
import { refuseMalformed, refuseOrPublish } from "./respond.ts";

/** Tick (asking for evidence when the check takes it), untick, and re-check automatic checks. */
export function register(app: App, deps: SlackDeps): void {
  app.action(Ids.action.tick, async ({ ack, body, client, respond }) => {
    await ack();
    const parsed = parse(body);
    if (!parsed) return refuseMalformed(deps, respond, body);
    const { userId, requestId, checkId, triggerId, asksEvidence } = parsed;
    // The button says when the check asks for evidence; a card from before it said so is read.
    if (asksEvidence !== false) {
      const request = await deps.services.store.requests.find(requestId);
      const definition = request?.snapshot.checks.find((c) => c.id === checkId);
      if (definition && definition.type === "manual" && definition.evidence !== "none") {
        await client.views.open({ trigger_id: triggerId, view: evidenceModal(requestId, definition, await userContext(deps, userId)) });
        return;
      }
    }
    await refuseOrPublish(deps, respond, userId, requestId, await tickCheck(deps.services, requestId, userId, checkId, null));
  });

  app.action(Ids.action.untick, async ({ ack, body, respond }) => {
    await ack();
    const parsed = parse(body);
    if (!parsed) return refuseMalformed(deps, respond, body);
    const result = await untickCheck(deps.services, parsed.requestId, parsed.userId, parsed.checkId);
    await refuseOrPublish(deps, respond, parsed.userId, parsed.requestId, result);
  });

  app.action(Ids.action.recheck, async ({ ack, body, respond }) => {
    await ack();
    const parsed = parse(body);
    if (!parsed) return refuseMalformed(deps, respond, body);
    const result = await refreshAutomaticChecks(deps.services, parsed.requestId, parsed.userId);
    await refuseOrPublish(deps, respond, parsed.userId, parsed.requestId, result);
  });
}

function parse(body: unknown) {
  const payload = blockAction.safeParse(body);
  if (!payload.success) return null;
  const value = checkValue.safeParse(payload.data.actions[0]!.value ?? "");
  if (!value.success) return null;
  const asksEvidence = value.data.e === undefined ? undefined : value.data.e === 1;
  return { userId: payload.data.user.id, triggerId: payload.data.trigger_id, requestId: value.data.r, checkId: value.data.c, asksEvidence };
}
