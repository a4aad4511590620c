import { z } from "zod";
import type { ClaimedJob, JobHandler } from "../scheduler/jobs.ts";
import { ErrorCode } from "../domain/errors.ts";
import { REMIND_JOB, takeReminder } from "../services/dunning.ts";
import { executeRequest } from "../services/requests.ts";
import { EXECUTE_JOB } from "../services/scheduled-execution.ts";
import type { SlackDeps } from "./context.ts";
import { t } from "./i18n/catalog.ts";
import { clip, escapeText, mention } from "./views/format.ts";
import { reminderMessage } from "./views/reminder.ts";

const payload = z.object({ requestId: z.uuid(), stepId: z.string() });
const executePayload = z.object({ requestId: z.uuid() });

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
      if (!reminder) return;
      // The card (and its thread) must exist before a reply can go there.
      await deps.publisher.publish(requestId);
      const post = await deps.services.db.slackPost.findUnique({ where: { requestId_purpose: { requestId, purpose: "card" } } });
      if (!post) throw new Error(`request ${requestId} has no card in Slack yet`);
      const client = await deps.services.db.client.findUniqueOrThrow({ where: { id: reminder.request.clientId }, select: { name: true } });
      const message = reminderMessage(reminder, client.name, deps.policy, deps.publisher.channelContext());
      await deps.publisher.postInThread(post, message);
    },

    /** Service has ended: execute with the same re-validation as the button. A failed action is retried by the scheduler. */
    [EXECUTE_JOB]: async (job: ClaimedJob) => {
      const { requestId } = executePayload.parse(job.payload);
      const result = await executeRequest(deps.services, requestId, "system");
      await deps.publisher.publish(requestId);
      if (!result.ok && !SETTLED.has(result.error.code)) throw new Error(`${result.error.code}: ${String(result.error.details?.error ?? "")}`);
    },
  };
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
    const what = job.kind === REMIND_JOB || job.kind === EXECUTE_JOB ? t(ctx.language, `job.${job.kind}`) : job.kind;
    const text = t(ctx.language, "thread.jobFailed", { owner: mention(request.requestedBy), what, attempts: job.attempts, error: escapeText(error) });
    await deps.publisher.postInThread(post, { text, blocks: [{ type: "section", text: { type: "mrkdwn", text: clip(text, 3000) } }] });
  };
}
