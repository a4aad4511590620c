import { z } from "zod";
import type { ClaimedJob, JobHandler } from "../scheduler/jobs.ts";
import { ErrorCode } from "../domain/errors.ts";
import { REMIND_JOB, takeReminder } from "../services/dunning.ts";
import { executeRequest, resumeExecution } from "../services/requests.ts";
import { RESUME_JOB } from "../services/execution.ts";
import { EXECUTE_JOB } from "../services/scheduled-execution.ts";
import { DELETE_JOB, DELETE_REMINDER_JOB, runDeletion } from "../services/data-deletion.ts";
import { deletionMoment } from "../domain/calendar.ts";
import { labelFor } from "../domain/policy.ts";
import { missingForDeletion } from "../domain/request.ts";
import { findRequest } from "../db/requests.ts";
import { formatDateTime } from "./views/format.ts";
import type { SlackDeps } from "./context.ts";
import { t } from "./i18n/catalog.ts";
import { clip, escapeText, mention } from "./views/format.ts";
import { DIGEST_SIZE, digestMessage, reminderMessage } from "./views/reminder.ts";
import { PUBLISH_JOB } from "./publisher.ts";
import type { BatchJobHandler } from "../scheduler/jobs.ts";
import type { DueReminder } from "../services/dunning.ts";

const payload = z.object({ requestId: z.uuid(), stepId: z.string() });
const executePayload = z.object({ requestId: z.uuid() });
const resumePayload = z.object({ requestId: z.uuid(), userId: z.string().min(1) });

/** Refusals that mean "not any more" (someone withdrew, a charge appeared): the scheduled run simply ends. */
const SETTLED = new Set<string>([ErrorCode.RequestNotReady, ErrorCode.RequestClosed, ErrorCode.ExecutionInProgress, ErrorCode.ExecutionScheduled, ErrorCode.RequestNotFound]);

/**
 * The scheduler's handlers for Slack. A reminder is taken in the database
 * first (count, next reminder, audit), then posted in the request's thread.
 */
export function jobHandlers(deps: SlackDeps): Record<string, JobHandler> {
  return {
    [REMIND_JOB]: async (job: ClaimedJob) => {
      const { requestId, stepId } = payload.parse(job.payload);
      const reminder = await takeReminder(deps.services, requestId, stepId);
      if (reminder) await postReminder(deps, reminder, await clientName(deps, reminder));
    },

    /** Slack failed while showing a request: show it again (the scheduler backs off until it works). */
    [PUBLISH_JOB]: async (job: ClaimedJob) => {
      await deps.publisher.publishOrThrow(executePayload.parse(job.payload).requestId);
    },

    /** The policy's deletion date: scrub the data, or wait (and say so) for the checks it needs. */
    [DELETE_JOB]: async (job: ClaimedJob) => {
      const { requestId } = executePayload.parse(job.payload);
      const outcome = await runDeletion(deps.services, requestId);
      if (outcome.status !== "skipped") await deps.publisher.publish(requestId);
    },

    /** Some days before deletion, the requester is told, with what it still waits for. */
    [DELETE_REMINDER_JOB]: async (job: ClaimedJob) => {
      const { requestId } = executePayload.parse(job.payload);
      const request = await findRequest(deps.services.db, requestId);
      if (!request || request.state !== "executed") return;
      const client = await deps.services.db.client.findUniqueOrThrow({ where: { id: request.clientId } });
      if (client.status === "active" || client.dataDeletedAt) return;
      const at = deletionMoment(request.snapshot.calendar, deps.policy.timezone, request.requestedAt, request.requestedOn);
      if (!at) return;
      await deps.publisher.publish(requestId);
      const post = await deps.services.db.slackPost.findUnique({ where: { requestId_purpose: { requestId, purpose: "card" } } });
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
    },

    /** Service has ended: execute with the same re-validation as the button. A failed action is retried by the scheduler. */
    [EXECUTE_JOB]: async (job: ClaimedJob) => {
      const { requestId } = executePayload.parse(job.payload);
      const result = await executeRequest(deps.services, requestId, "system");
      await deps.publisher.publish(requestId);
      if (!result.ok && !SETTLED.has(result.error.code)) throw new Error(`${result.error.code}: ${String(result.error.details?.error ?? "")}`);
    },

    /** A process died half-way through an execution: finish it (a failed action shows on the card, as with the button). */
    [RESUME_JOB]: async (job: ClaimedJob) => {
      const { requestId, userId } = resumePayload.parse(job.payload);
      const outcome = await resumeExecution(deps.services, requestId, userId);
      if (outcome.status === "ran") await deps.publisher.publish(requestId);
    },
  };
}

async function clientName(deps: SlackDeps, reminder: DueReminder): Promise<string> {
  return (await deps.services.db.client.findUniqueOrThrow({ where: { id: reminder.request.clientId }, select: { name: true } })).name;
}

/** A reminder as a reply in its request's thread; the card (and so the thread) is made sure of first. */
async function postReminder(deps: SlackDeps, reminder: DueReminder, name: string): Promise<void> {
  const requestId = reminder.request.id;
  await deps.publisher.publish(requestId);
  const post = await deps.services.db.slackPost.findUnique({ where: { requestId_purpose: { requestId, purpose: "card" } } });
  if (!post) throw new Error(`request ${requestId} has no card in Slack yet`);
  await deps.publisher.postInThread(post, reminderMessage(reminder, name, deps.policy, deps.publisher.channelContext()));
}

/** A job that failed for good is said in its request's thread, to the requester: never silence. */
export function reportFailedJob(deps: SlackDeps): (job: ClaimedJob, error: string) => Promise<void> {
  return async (job, error) => {
    if (!job.requestId) return;
    await deps.publisher.publish(job.requestId);
    const [post, request] = await Promise.all([
      deps.services.db.slackPost.findUnique({ where: { requestId_purpose: { requestId: job.requestId, purpose: "card" } } }),
      deps.services.db.deactivationRequest.findUnique({ where: { id: job.requestId }, select: { requestedBy: true } }),
    ]);
    if (!post || !request) return;
    const ctx = deps.publisher.channelContext();
    const known = [REMIND_JOB, EXECUTE_JOB, DELETE_JOB, DELETE_REMINDER_JOB, RESUME_JOB] as const;
    const what = (known as readonly string[]).includes(job.kind) ? t(ctx.language, `job.${job.kind as (typeof known)[number]}`) : job.kind;
    const text = t(ctx.language, "thread.jobFailed", { owner: mention(request.requestedBy), what, attempts: job.attempts, error: escapeText(error) });
    await deps.publisher.postInThread(post, { text, blocks: [{ type: "section", text: { type: "mrkdwn", text: clip(text, 3000) } }] });
  };
}

/** More reminders than this due at once in the requests channel become a digest (Slack allows about one message a second per channel). */
export const DIGEST_FROM = 4;

/** Several reminders due together: each is taken in the database, then posted in its thread, or as a digest when many. */
export function batchHandlers(deps: SlackDeps): Record<string, BatchJobHandler> {
  return {
    [REMIND_JOB]: async (jobs) => {
      const outcomes = new Map<string, string | null>();
      const taken: { job: ClaimedJob; reminder: DueReminder; clientName: string }[] = [];
      for (const job of jobs) {
        try {
          const { requestId, stepId } = payload.parse(job.payload);
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
    },
  };
}
