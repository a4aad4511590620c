import type { App } from "@slack/bolt";
import { approveRequest, checkMayDecide, releaseHeldInvoices, withdrawRequest } from "../../../services/requests.ts";
import { executeRequest } from "../../../services/execution.ts";
import { userContext, type SlackDeps } from "../../context.ts";
import { Ids } from "../../ids.ts";
import { blockAction, requestIdValue } from "../../payloads.ts";
import { errorText } from "../../views/errors.ts";
import type { Result } from "../../../domain/errors.ts";
import { rejectModal } from "../../views/modals.ts";
import { t } from "../../i18n/catalog.ts";
import { openModalAfter, type ModalOrText } from "../modal-after.ts";
import { refuseMalformed, refuseOrPublish, tellClicker } from "./respond.ts";

/** Approve, Reject (asks why), Execute, Withdraw and Release invoices: the server decides who may, whatever the buttons showed. */
export function register(app: App, deps: SlackDeps): void {
  // Buttons that only change the request: a refusal to the clicker, a change to the cards.
  const changes: [string, (services: SlackDeps["services"], requestId: string, userId: string) => Promise<Result<object>>][] = [
    [Ids.action.approve, approveRequest],
    [Ids.action.withdraw, withdrawRequest],
    [Ids.action.releaseInvoices, releaseHeldInvoices],
  ];
  for (const [actionId, change] of changes) {
    app.action(actionId, async ({ ack, body, respond }) => {
      await ack();
      const parsed = parse(body);
      if (!parsed) return refuseMalformed(deps, respond, body);
      await refuseOrPublish(deps, respond, parsed.userId, parsed.requestId, await change(deps.services, parsed.requestId, parsed.userId));
    });
  }

  app.action(Ids.action.reject, async ({ ack, body, client, respond }) => {
    await ack();
    const parsed = parse(body);
    if (!parsed) return refuseMalformed(deps, respond, body);
    const ctx = await userContext(deps, parsed.userId);
    // Whether the clicker may decide can take a call to Slack's user groups: the modal opens while the trigger is valid.
    const decide = async (): Promise<ModalOrText> => {
      const allowed = await checkMayDecide(deps.services, parsed.requestId, parsed.userId);
      if (!allowed.ok) return { text: errorText(allowed.error, ctx) };
      const view = await deps.services.store.requestViews.load(parsed.requestId, deps.services.clock.now());
      return { modal: rejectModal(allowed.request, view!.client.name, ctx) };
    };
    await openModalAfter(deps, client, parsed.triggerId, { title: t(ctx.language, "modal.reject.title"), ctx, key: "modal.working" }, decide);
  });

  app.action(Ids.action.execute, async ({ ack, body, respond }) => {
    await ack();
    const parsed = parse(body);
    if (!parsed) return refuseMalformed(deps, respond, body);
    const result = await executeRequest(deps.services, parsed.requestId, parsed.userId);
    // Whatever happened (done, refused, an action failed), the card shows it.
    await deps.publisher.publish(parsed.requestId);
    if (!result.ok) {
      const view = await deps.services.store.requestViews.load(parsed.requestId, deps.services.clock.now());
      await tellClicker(respond, errorText(result.error, await userContext(deps, parsed.userId), view ?? undefined));
    }
  });
}

function parse(body: unknown) {
  const payload = blockAction.safeParse(body);
  if (!payload.success) return null;
  const requestId = requestIdValue.safeParse(payload.data.actions[0]!.value);
  if (!requestId.success) return null;
  return { userId: payload.data.user.id, triggerId: payload.data.trigger_id, requestId: requestId.data };
}
