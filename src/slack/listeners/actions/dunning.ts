import type { App } from "@slack/bolt";
import { ErrorCode, fail } from "../../../domain/errors.ts";
import { localDate } from "../../../domain/calendar.ts";
import { addDuration } from "../../../domain/duration.ts";
import { markStepDone, reassignStep, snoozeStepOneDay, snoozeStepUntilDay, stopLadder } from "../../../services/dunning.ts";
import { loadRequestView } from "../../../services/request-view.ts";
import { userContext, type SlackDeps } from "../../context.ts";
import { t } from "../../i18n/catalog.ts";
import { Ids } from "../../ids.ts";
import { blockAction, inputValue, parseJson, read, stepMetadata, stepValue, viewSubmission } from "../../payloads.ts";
import { errorText } from "../../views/errors.ts";
import { reassignModal, snoozeModal, stepDoneModal } from "../../views/reminder.ts";
import { refuseMalformed, refuseOrPublish } from "./respond.ts";

/** The buttons of a dunning reminder: Done (asks what was sent), Snooze a day, Client answered, Client paid. */
export function register(app: App, deps: SlackDeps): void {
  app.action(Ids.action.stepDone, async ({ ack, body, client, respond }) => {
    await ack();
    const parsed = parse(body);
    if (!parsed) return refuseMalformed(deps, respond, body);
    const view = await loadRequestView(deps.services.db, parsed.requestId, deps.services.clock.now());
    const definition = view?.request.snapshot.dunning.find((d) => d.id === parsed.stepId);
    if (!definition) return refuseOrPublish(deps, respond, parsed.userId, parsed.requestId, fail(view ? ErrorCode.StepUnknown : ErrorCode.RequestNotFound));
    await client.views.open({ trigger_id: parsed.triggerId, view: stepDoneModal(parsed.requestId, definition, await userContext(deps, parsed.userId)) });
  });

  app.action(Ids.action.snoozeDay, async ({ ack, body, respond }) => {
    await ack();
    const parsed = parse(body);
    if (!parsed) return refuseMalformed(deps, respond, body);
    await refuseOrPublish(deps, respond, parsed.userId, parsed.requestId, await snoozeStepOneDay(deps.services, parsed.requestId, parsed.stepId, parsed.userId));
  });

  app.action(Ids.action.snoozeUntil, async ({ ack, body, client, respond }) => {
    await ack();
    const parsed = parse(body);
    if (!parsed) return refuseMalformed(deps, respond, body);
    const view = await loadRequestView(deps.services.db, parsed.requestId, deps.services.clock.now());
    const definition = view?.request.snapshot.dunning.find((d) => d.id === parsed.stepId);
    if (!definition) return refuseOrPublish(deps, respond, parsed.userId, parsed.requestId, fail(view ? ErrorCode.StepUnknown : ErrorCode.RequestNotFound));
    const tomorrow = localDate(addDuration(deps.services.clock.now(), { days: 1 }, deps.policy.timezone), deps.policy.timezone);
    await client.views.open({ trigger_id: parsed.triggerId, view: snoozeModal(parsed.requestId, definition, tomorrow, await userContext(deps, parsed.userId)) });
  });

  app.view(Ids.view.snooze, async ({ ack, body }) => {
    const payload = viewSubmission.safeParse(body);
    const metadata = payload.success ? parseJson(stepMetadata, payload.data.view.private_metadata) : null;
    if (!payload.success || !metadata) {
      await ack({ response_action: "errors", errors: { [Ids.block.snoozeDate]: t(deps.policy.language, "error.badPayload") } });
      return;
    }
    const { user, view } = payload.data;
    const day = read.date(inputValue(view.state.values, Ids.block.snoozeDate, Ids.action.snoozeDate)) ?? "";
    const result = await snoozeStepUntilDay(deps.services, metadata.requestId, metadata.stepId, user.id, day);
    if (!result.ok) {
      await ack({ response_action: "errors", errors: { [Ids.block.snoozeDate]: errorText(result.error, await userContext(deps, user.id)) } });
      return;
    }
    await ack();
    await deps.publisher.publish(metadata.requestId);
  });

  app.action(Ids.action.reassign, async ({ ack, body, client, respond }) => {
    await ack();
    const parsed = parse(body);
    if (!parsed) return refuseMalformed(deps, respond, body);
    const view = await loadRequestView(deps.services.db, parsed.requestId, deps.services.clock.now());
    const definition = view?.request.snapshot.dunning.find((d) => d.id === parsed.stepId);
    const step = view?.ladder.find((s) => s.stepId === parsed.stepId);
    if (!definition || !step) return refuseOrPublish(deps, respond, parsed.userId, parsed.requestId, fail(view ? ErrorCode.StepUnknown : ErrorCode.RequestNotFound));
    await client.views.open({ trigger_id: parsed.triggerId, view: reassignModal(parsed.requestId, definition, step.owner, await userContext(deps, parsed.userId)) });
  });

  app.view(Ids.view.reassign, async ({ ack, body }) => {
    const payload = viewSubmission.safeParse(body);
    const metadata = payload.success ? parseJson(stepMetadata, payload.data.view.private_metadata) : null;
    const owner = payload.success ? read.user(inputValue(payload.data.view.state.values, Ids.block.newOwner, Ids.action.newOwner)) : null;
    if (!payload.success || !metadata || !owner) {
      await ack({ response_action: "errors", errors: { [Ids.block.newOwner]: t(deps.policy.language, payload.success && metadata ? "modal.error.required" : "error.badPayload") } });
      return;
    }
    const result = await reassignStep(deps.services, metadata.requestId, metadata.stepId, payload.data.user.id, owner);
    if (!result.ok) {
      await ack({ response_action: "errors", errors: { [Ids.block.newOwner]: errorText(result.error, await userContext(deps, payload.data.user.id)) } });
      return;
    }
    await ack();
    await deps.publisher.publish(metadata.requestId);
  });

  for (const [actionId, outcome] of [[Ids.action.clientAnswered, "answered"], [Ids.action.clientPaid, "paid"]] as const) {
    app.action(actionId, async ({ ack, body, respond }) => {
      await ack();
      const parsed = parse(body);
      if (!parsed) return refuseMalformed(deps, respond, body);
      await refuseOrPublish(deps, respond, parsed.userId, parsed.requestId, await stopLadder(deps.services, parsed.requestId, parsed.userId, outcome));
    });
  }

  app.view(Ids.view.stepDone, async ({ ack, body }) => {
    const payload = viewSubmission.safeParse(body);
    const metadata = payload.success ? parseJson(stepMetadata, payload.data.view.private_metadata) : null;
    if (!payload.success || !metadata) {
      await ack({ response_action: "errors", errors: { [Ids.block.evidence]: t(deps.policy.language, "error.badPayload") } });
      return;
    }
    const { user, view } = payload.data;
    const evidence = read.text(inputValue(view.state.values, Ids.block.evidence, Ids.action.evidence));
    const result = await markStepDone(deps.services, metadata.requestId, metadata.stepId, user.id, evidence);
    if (!result.ok) {
      await ack({ response_action: "errors", errors: { [Ids.block.evidence]: errorText(result.error, await userContext(deps, user.id)) } });
      return;
    }
    await ack();
    await deps.publisher.publish(metadata.requestId);
  });
}

function parse(body: unknown) {
  const payload = blockAction.safeParse(body);
  if (!payload.success) return null;
  const value = stepValue.safeParse(payload.data.actions[0]!.value ?? "");
  if (!value.success) return null;
  return { userId: payload.data.user.id, triggerId: payload.data.trigger_id, requestId: value.data.r, stepId: value.data.s };
}
