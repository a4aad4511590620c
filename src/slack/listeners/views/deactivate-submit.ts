import type { App } from "@slack/bolt";
import { ErrorCode } from "../../../domain/errors.ts";
import { openRequest } from "../../../services/requests.ts";
import { userContext, type SlackDeps } from "../../context.ts";
import { t } from "../../i18n/catalog.ts";
import { Ids } from "../../ids.ts";
import { deactivateMetadata, inputValue, parseJson, read, viewSubmission } from "../../payloads.ts";
import { fieldError } from "../actions/respond.ts";
import { errorText } from "../../views/errors.ts";
import { doneModal } from "../../views/modals.ts";
import { waitingModal, within } from "../modal-after.ts";

/** How long a submission waits for its outcome before answering Slack (which waits 3 seconds) with a "working on it" modal. */
export const SUBMISSION_DEADLINE_MS = 2_000;

const B = Ids.block;
const A = Ids.action;

/** Which field a refusal belongs to, so it shows on that field. */
const FIELD_OF: Partial<Record<string, string>> = {
  [ErrorCode.ReasonRequired]: B.reason,
  [ErrorCode.RequestedOnInvalid]: B.requestedOn,
  [ErrorCode.KindUnknown]: B.kind,
  [ErrorCode.ClientNotFound]: B.client,
  [ErrorCode.ClientAlreadyInactive]: B.client,
  [ErrorCode.RequestAlreadyOpen]: B.client,
  [ErrorCode.SystemOfRecordFailed]: B.client,
};
const FIELD_BLOCKS: Record<string, string> = { reason: B.reason, askedBy: B.askedBy, confirmation: B.confirmation, notes: B.notes };

/** The deactivate form: nothing is created until every field is valid; errors show on their field. */
export function register(app: App, deps: SlackDeps): void {
  app.view(Ids.view.deactivate, async ({ ack, body, client }) => {
    const payload = viewSubmission.safeParse(body);
    if (!payload.success) {
      deps.log("malformed deactivate submission", payload.error);
      await ack({ response_action: "errors", errors: { [B.reason]: t(deps.policy.language, "error.badPayload") } });
      return;
    }
    const { user, view } = payload.data;
    const ctx = await userContext(deps, user.id);
    const values = view.state.values;
    const metadata = parseJson(deactivateMetadata, view.private_metadata) ?? {};
    const clientRef = metadata.fixedClientRef ?? read.select(inputValue(values, B.client, A.client));
    const kind = read.select(inputValue(values, B.kind, A.kind));
    const reason = read.text(inputValue(values, B.reason, A.reason));
    const requestedOn = read.date(inputValue(values, B.requestedOn, A.requestedOn));

    const errors: Record<string, string> = {};
    if (!clientRef) errors[B.client] = t(ctx.language, "modal.error.client");
    if (!kind) errors[B.kind] = t(ctx.language, "modal.error.required");
    if (!reason) errors[B.reason] = t(ctx.language, "modal.error.required");
    if (!requestedOn) errors[B.requestedOn] = t(ctx.language, "modal.error.date");
    if (Object.keys(errors).length || !clientRef || !kind || !requestedOn) {
      await ack({ response_action: "errors", errors });
      return;
    }

    const opening = openRequest(deps.services, {
      clientRef,
      kind,
      requestedBy: user.id,
      requestedOn,
      reason,
      askedBy: read.text(inputValue(values, B.askedBy, A.askedBy)),
      confirmation: read.text(inputValue(values, B.confirmation, A.confirmation)),
      thirdPartyInvolved: read.checked(inputValue(values, B.thirdParty, A.thirdParty)),
      notes: read.text(inputValue(values, B.notes, A.notes)),
      submissionKey: `slack-view:${view.id}`,
    });
    // Slack waits 3 seconds for the answer, whatever the system of record does.
    const quick = await within(SUBMISSION_DEADLINE_MS, opening);
    if (!quick.done) {
      // Too slow to answer on the form: it becomes a "working on it" modal, updated with the outcome.
      const title = t(ctx.language, "modal.deactivate.title");
      await ack({ response_action: "update", view: waitingModal(title, ctx, "modal.working") });
      let text: string;
      let opened: Awaited<typeof opening> | null = null;
      try {
        opened = await opening;
        text = opened.ok ? t(ctx.language, "modal.deactivate.opened", { number: opened.request.number }) : errorText(opened.error, ctx);
      } catch (error) {
        deps.log("a slow deactivate submission failed", error);
        text = t(ctx.language, "error.unexpected");
      }
      await client.views.update({ view_id: view.id, view: doneModal(title, text, ctx) });
      if (opened?.ok) await deps.publisher.publish(opened.request.id);
      return;
    }
    const result = quick.value;
    if (!result.ok) {
      const field = result.error.code === ErrorCode.FieldTooLong ? FIELD_BLOCKS[String(result.error.details?.field)] : FIELD_OF[result.error.code];
      await ack({ response_action: "errors", errors: { [field ?? B.reason]: await fieldError(deps, result.error, ctx) } });
      return;
    }
    // A retried submission gets the same answer; publishing again converges on the same card.
    await ack();
    await deps.publisher.publish(result.request.id);
  });
}
