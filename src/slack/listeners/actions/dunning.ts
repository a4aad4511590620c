import type { App } from "@slack/bolt";
import type { ModalView } from "@slack/types";
import type { LadderStepState } from "../../../domain/dunning.ts";
import { ErrorCode, fail, type Result } from "../../../domain/errors.ts";
import type { DunningStep } from "../../../domain/policy.ts";
import type { ViewContext } from "../../views/format.ts";
import { localDate } from "../../../domain/calendar.ts";
import { addDuration } from "../../../domain/duration.ts";
import { markStepDone, reassignStep, snoozeStepOneDay, snoozeStepUntilDay, stopLadder } from "../../../services/dunning.ts";
import { userContext, type SlackDeps } from "../../context.ts";
import { t } from "../../i18n/catalog.ts";
import { Ids } from "../../ids.ts";
import { blockAction, inputValue, parseForm, read, stepMetadata, stepValue } from "../../payloads.ts";
import { reassignModal, snoozeModal, stepDoneModal } from "../../views/reminder.ts";
import { refuseMalformed, refuseOrPublish, fieldError } from "./respond.ts";

/** The buttons of a dunning reminder: Done (asks what was sent), Snooze a day, Client answered, Client paid. */
export function register(app: App, deps: SlackDeps): void {
  /** Buttons that open a form about one step: the step must exist, else the clicker is told. */
  const stepForm = (actionId: string, form: (found: FoundStep, ctx: ViewContext) => ModalView) =>
    app.action(actionId, async ({ ack, body, client, respond }) => {
      await ack();
      const parsed = parse(body);
      if (!parsed) return refuseMalformed(deps, respond, body);
      const view = await deps.services.store.requestViews.load(parsed.requestId, deps.services.clock.now());
      const definition = view?.request.snapshot.dunning.find((d) => d.id === parsed.stepId);
      const step = view?.ladder.find((s) => s.stepId === parsed.stepId);
      if (!definition || !step) return refuseOrPublish(deps, respond, parsed.userId, parsed.requestId, fail(view ? ErrorCode.StepUnknown : ErrorCode.RequestNotFound));
      await client.views.open({ trigger_id: parsed.triggerId, view: form({ requestId: parsed.requestId, definition, step }, await userContext(deps, parsed.userId)) });
    });

  stepForm(Ids.action.stepDone, ({ requestId, definition }, ctx) => stepDoneModal(requestId, definition, ctx));
  stepForm(Ids.action.snoozeUntil, ({ requestId, definition }, ctx) =>
    snoozeModal(requestId, definition, localDate(addDuration(deps.services.clock.now(), { days: 1 }, deps.policy.timezone), deps.policy.timezone), ctx),
  );
  stepForm(Ids.action.reassign, ({ requestId, definition, step }, ctx) => reassignModal(requestId, definition, step.owner, ctx));

  /** The forms' submissions: refusals show on the field, a change is published. */
  const stepSubmit = (callbackId: string, field: string, run: (form: NonNullable<ReturnType<typeof parseForm<{ requestId: string; stepId: string }>>>) => Promise<Result<object>> | null) =>
    app.view(callbackId, async ({ ack, body }) => {
      const form = parseForm(body, stepMetadata);
      const result = form ? run(form) : null;
      if (!form || !result) {
        await ack({ response_action: "errors", errors: { [field]: t(deps.policy.language, form ? "modal.error.required" : "error.badPayload") } });
        return;
      }
      const outcome = await result;
      if (!outcome.ok) {
        await ack({ response_action: "errors", errors: { [field]: await fieldError(deps, outcome.error, await userContext(deps, form.user.id)) } });
        return;
      }
      await ack();
      await deps.publisher.publish(form.metadata.requestId);
    });

  stepSubmit(Ids.view.stepDone, Ids.block.evidence, ({ user, values, metadata }) =>
    markStepDone(deps.services, metadata.requestId, metadata.stepId, user.id, read.text(inputValue(values, Ids.block.evidence, Ids.action.evidence))),
  );
  stepSubmit(Ids.view.snooze, Ids.block.snoozeDate, ({ user, values, metadata }) =>
    snoozeStepUntilDay(deps.services, metadata.requestId, metadata.stepId, user.id, read.date(inputValue(values, Ids.block.snoozeDate, Ids.action.snoozeDate)) ?? ""),
  );
  stepSubmit(Ids.view.reassign, Ids.block.newOwner, ({ user, values, metadata }) => {
    const owner = read.user(inputValue(values, Ids.block.newOwner, Ids.action.newOwner));
    return owner ? reassignStep(deps.services, metadata.requestId, metadata.stepId, user.id, owner) : null;
  });

  app.action(Ids.action.snoozeDay, async ({ ack, body, respond }) => {
    await ack();
    const parsed = parse(body);
    if (!parsed) return refuseMalformed(deps, respond, body);
    await refuseOrPublish(deps, respond, parsed.userId, parsed.requestId, await snoozeStepOneDay(deps.services, parsed.requestId, parsed.stepId, parsed.userId));
  });

  for (const [actionId, outcome] of [[Ids.action.clientAnswered, "answered"], [Ids.action.clientPaid, "paid"]] as const) {
    app.action(actionId, async ({ ack, body, respond }) => {
      await ack();
      const parsed = parse(body);
      if (!parsed) return refuseMalformed(deps, respond, body);
      await refuseOrPublish(deps, respond, parsed.userId, parsed.requestId, await stopLadder(deps.services, parsed.requestId, parsed.userId, outcome));
    });
  }

}

interface FoundStep {
  requestId: string;
  definition: DunningStep;
  step: LadderStepState;
}

function parse(body: unknown) {
  const payload = blockAction.safeParse(body);
  if (!payload.success) return null;
  const value = stepValue.safeParse(payload.data.actions[0]!.value ?? "");
  if (!value.success) return null;
  return { userId: payload.data.user.id, triggerId: payload.data.trigger_id, requestId: value.data.r, stepId: value.data.s };
}
