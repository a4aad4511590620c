import type { ClaimedJob } from "../scheduler/jobs.ts";
import { takeReminder, type DueReminder } from "../services/dunning.ts";
import { deletionMoment } from "../domain/calendar.ts";
import { labelFor } from "../domain/policy.ts";
import { missingForDeletion } from "../domain/request.ts";
import { formatDateTime } from "./views/format.ts";
import type { SlackDeps } from "./context.ts";
import { t } from "./i18n/catalog.ts";
import { clip, escapeText, mention } from "./views/format.ts";
import { DIGEST_SIZE, digestMessage, reminderMessage } from "./views/reminder.ts";

// Reminders posted in a request's thread: the dunning ladder's (one at a
// time, or a digest when many fall due together) and the one before the
// client's data is deleted. The job kinds that run them are in jobs.ts.

/** A dunning reminder: taken in the database first (count, next reminder, audit), then posted in the request's thread. */
export async function remind(deps: SlackDeps, requestId: string, stepId: string): Promise<void> {
  const reminder = await takeReminder(deps.services, requestId, stepId);
  if (reminder) await postReminder(deps, reminder, await clientName(deps, reminder));
}

/** More reminders than this due at once in the requests channel become a digest (Slack allows about one message a second per channel). */
export const DIGEST_FROM = 4;

/**
 * Several reminders due together: each is taken in the database, then posted
 * in its thread, or as a digest when many. Returns, per job id, null (done)
 * or why it failed.
 */
export async function remindTogether(deps: SlackDeps, due: { job: ClaimedJob; requestId: string; stepId: string }[]): Promise<Map<string, string | null>> {
  const outcomes = new Map<string, string | null>();
  const taken: { job: ClaimedJob; reminder: DueReminder; clientName: string }[] = [];
  for (const { job, requestId, stepId } of due) {
    try {
      const reminder = await takeReminder(deps.services, requestId, stepId);
      outcomes.set(job.id, null);
      if (reminder) taken.push({ job, reminder, clientName: await clientName(deps, reminder) });
    } catch (error) {
      outcomes.set(job.id, error instanceof Error ? error.message : String(error));
    }
  }
  const ctx = deps.publisher.channelContext();
  if (taken.length < DIGEST_FROM) {
    for (const { job, reminder, clientName } of taken) {
      try {
        await postReminder(deps, reminder, clientName);
      } catch (error) {
        outcomes.set(job.id, error instanceof Error ? error.message : String(error));
      }
    }
    return outcomes;
  }
  for (let i = 0; i < taken.length; i += DIGEST_SIZE) {
    const chunk = taken.slice(i, i + DIGEST_SIZE);
    try {
      await deps.publisher.postInChannel(deps.policy.channels.requests, digestMessage(chunk, taken.length, ctx));
    } catch (error) {
      for (const { job } of chunk) outcomes.set(job.id, error instanceof Error ? error.message : String(error));
    }
  }
  return outcomes;
}

/** Some days before deletion, the requester is told, with what it still waits for. */
export async function remindOfDeletion(deps: SlackDeps, requestId: string): Promise<void> {
  const { store } = deps.services;
  const request = await store.requests.find(requestId);
  if (!request || request.state !== "executed") return;
  const client = await store.clients.get(request.clientId);
  if (client.status === "active" || client.dataDeletedAt) return;
  const at = deletionMoment(request.snapshot.calendar, deps.policy.timezone, request.requestedAt, request.requestedOn);
  if (!at) return;
  await deps.publisher.publish(requestId);
  const post = await store.publications.cardOf(requestId);
  if (!post) throw new Error(`request ${requestId} has no card in Slack yet`);
  const ctx = deps.publisher.channelContext();
  const missing = missingForDeletion(request).map((id) => {
    const definition = request.snapshot.checks.find((c) => c.id === id);
    return `“${escapeText(definition ? labelFor(definition.label, ctx.language, ctx.policyLanguage) : id)}”`;
  });
  const lines = [t(ctx.language, "thread.deletionSoon", { owner: mention(request.requestedBy), client: escapeText(client.name), at: formatDateTime(at, ctx) })];
  if (missing.length) lines.push(t(ctx.language, "thread.deletionSoonWaiting", { checks: missing.join(", ") }));
  const text = lines.join(" ");
  await deps.publisher.postInThread(post, { text, blocks: [{ type: "section", text: { type: "mrkdwn", text: clip(text, 3000) } }] });
}

async function clientName(deps: SlackDeps, reminder: DueReminder): Promise<string> {
  return (await deps.services.store.clients.get(reminder.request.clientId)).name;
}

/** A reminder as a reply in its request's thread; the card (and so the thread) is made sure of first. */
async function postReminder(deps: SlackDeps, reminder: DueReminder, name: string): Promise<void> {
  const requestId = reminder.request.id;
  await deps.publisher.publish(requestId);
  const post = await deps.services.store.publications.cardOf(requestId);
  if (!post) throw new Error(`request ${requestId} has no card in Slack yet`);
  await deps.publisher.postInThread(post, reminderMessage(reminder, name, deps.policy, deps.publisher.channelContext()));
}
