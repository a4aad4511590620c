import type { App } from "@slack/bolt";
import { rejectRequest, tickCheck } from "../../../services/requests.ts";
import { userContext, type SlackDeps } from "../../context.ts";
import { t } from "../../i18n/catalog.ts";
import { Ids } from "../../ids.ts";
import { checkMetadata, inputValue, parseForm, read, requestMetadata } from "../../payloads.ts";
import { fieldError } from "../actions/respond.ts";

/** The small forms behind buttons: evidence for a tick, a reason for a rejection. Errors show on the field. */
export function register(app: App, deps: SlackDeps): void {
  app.view(Ids.view.evidence, async ({ ack, body }) => {
    const form = parseForm(body, checkMetadata);
    if (!form) {
      await ack({ response_action: "errors", errors: { [Ids.block.evidence]: t(deps.policy.language, "error.badPayload") } });
      return;
    }
    const { user, values, metadata } = form;
    const evidence = read.text(inputValue(values, Ids.block.evidence, Ids.action.evidence));
    const result = await tickCheck(deps.services, metadata.requestId, user.id, metadata.checkId, evidence);
    if (!result.ok) {
      await ack({ response_action: "errors", errors: { [Ids.block.evidence]: await fieldError(deps, result.error, await userContext(deps, user.id)) } });
      return;
    }
    await ack();
    await deps.publisher.publish(metadata.requestId);
  });

  app.view(Ids.view.reject, async ({ ack, body }) => {
    const form = parseForm(body, requestMetadata);
    if (!form) {
      await ack({ response_action: "errors", errors: { [Ids.block.rejectReason]: t(deps.policy.language, "error.badPayload") } });
      return;
    }
    const { user, values, metadata } = form;
    const reason = read.text(inputValue(values, Ids.block.rejectReason, Ids.action.rejectReason));
    const result = await rejectRequest(deps.services, metadata.requestId, user.id, reason);
    if (!result.ok) {
      await ack({ response_action: "errors", errors: { [Ids.block.rejectReason]: await fieldError(deps, result.error, await userContext(deps, user.id)) } });
      return;
    }
    await ack();
    await deps.publisher.publish(metadata.requestId);
  });
}
