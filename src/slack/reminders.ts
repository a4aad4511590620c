import { z } from "zod";
import type { ClaimedJob, JobHandler } from "../scheduler/jobs.ts";
import { REMIND_JOB, takeReminder } from "../services/dunning.ts";
import type { SlackDeps } from "./context.ts";
import { reminderMessage } from "./views/reminder.ts";

const payload = z.object({ requestId: z.uuid(), stepId: z.string() });

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
  };
}
