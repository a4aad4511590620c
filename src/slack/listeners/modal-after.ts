import type { ModalView } from "@slack/types";
import type { WebClient } from "@slack/web-api";
import type { SlackDeps } from "../context.ts";
import { t, type MessageKey } from "../i18n/catalog.ts";
import type { ViewContext } from "../views/format.ts";
import { doneModal } from "../views/modals.ts";

/** What a listener found out: a modal to show, or a text (a refusal, no match) for the person. */
export type ModalOrText = { modal: ModalView } | { text: string };

/** The work's value if it settles within `ms`; else `late` (the work goes on). */
export async function within<T>(ms: number, work: Promise<T>): Promise<{ done: true; value: T } | { done: false }> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<{ done: false }>((resolve) => (timer = setTimeout(() => resolve({ done: false }), ms)));
  try {
    return await Promise.race([work.then((value) => ({ done: true as const, value })), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** A small modal saying what Offboard is doing while it waits for the system of record. */
export function waitingModal(title: string, ctx: ViewContext, key: MessageKey = "modal.lookingUp"): ModalView {
  return doneModal(title, t(ctx.language, key), ctx);
}

/**
 * Opens a modal from a trigger_id whose content needs a call that may be slow
 * (the system of record, Slack's user groups). Slack accepts a trigger_id for
 * about 3 seconds, so a small "looking it up" modal opens at once, in the
 * person's language, and is then views.update'd, by the id and hash
 * views.open returned, with the form or with what stands in its way.
 */
export async function openModalAfter(
  deps: SlackDeps,
  client: WebClient,
  triggerId: string,
  waiting: { title: string; ctx: ViewContext; key?: MessageKey },
  work: () => Promise<ModalOrText>,
): Promise<void> {
  const opened = await client.views.open({ trigger_id: triggerId, view: waitingModal(waiting.title, waiting.ctx, waiting.key) });
  let view: ModalView;
  let failure: unknown = null;
  try {
    const answer = await work();
    view = "modal" in answer ? answer.modal : doneModal(waiting.title, answer.text, waiting.ctx);
  } catch (error) {
    failure = error;
    view = doneModal(waiting.title, t(waiting.ctx.language, "error.unexpected"), waiting.ctx);
  }
  const viewId = opened.view?.id;
  if (viewId) await client.views.update({ view_id: viewId, ...(opened.view?.hash ? { hash: opened.view.hash } : {}), view });
  else deps.log("views.open answered without a view id: the waiting modal cannot be updated");
  if (failure) throw failure;
}
