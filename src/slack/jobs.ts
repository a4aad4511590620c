import { z } from "zod";
import type { BatchJobHandler, ClaimedJob, JobHandler } from "../scheduler/jobs.ts";
import { describeDomainError, ErrorCode } from "../domain/errors.ts";
import { REMIND_JOB } from "../services/dunning.ts";
import { executeRequest, resumeExecution, RESUME_JOB } from "../services/execution.ts";
import { EXECUTE_JOB } from "../services/scheduled-execution.ts";
import { DELETE_JOB, DELETE_REMINDER_JOB, runDeletion } from "../services/data-deletion.ts";
import type { SlackDeps } from "./context.ts";
import { t, type MessageKey } from "./i18n/catalog.ts";
import { clip, escapeText, mention } from "./views/format.ts";
import { PUBLISH_JOB } from "./publisher.ts";
import { remind, remindOfDeletion, remindTogether } from "./reminders.ts";

// Every kind of durable job, in one place: its name (the Job row's kind), the
// payload it must carry (checked before it runs), and how the Slack app runs
// it. The scheduler is given the handlers made from this list, and a job that
// fails for good is said in its request's thread by what this list calls it.

/** A kind of job: its name, its payload's schema and its handler. */
export interface JobKind<Payload = unknown> {
  readonly name: string;
  readonly payload: z.ZodType<Payload>;
  /** What the job does, said when it failed for good ("Offboard could not …"); null: the kind's name as it is. */
  readonly what: Extract<MessageKey, `job.${string}`> | null;
  run(deps: SlackDeps, payload: Payload, job: ClaimedJob): Promise<void>;
  /** Several due together are run together (the reminders digest); returns, per job id, null (done) or why it failed. */
  runTogether?(deps: SlackDeps, due: { job: ClaimedJob; payload: Payload }[]): Promise<Map<string, string | null>>;
}

/** Checks a kind's handler against its payload's schema; the registry holds them all alike. */
function jobKind<Payload>(kind: JobKind<Payload>): JobKind {
  return kind;
}

const forRequest = z.object({ requestId: z.uuid() });

/** Refusals that mean "not any more" (someone withdrew, a charge appeared): the scheduled run simply ends. */
const SETTLED = new Set<string>([ErrorCode.RequestNotReady, ErrorCode.RequestClosed, ErrorCode.ExecutionInProgress, ErrorCode.ExecutionScheduled, ErrorCode.RequestNotFound]);

export const JOB_KINDS: readonly JobKind[] = [
  jobKind({
    name: REMIND_JOB,
    payload: z.object({ requestId: z.uuid(), stepId: z.string() }),
    what: "job.dunning.remind",
    run: (deps, { requestId, stepId }) => remind(deps, requestId, stepId),
    runTogether: (deps, due) => remindTogether(deps, due.map(({ job, payload }) => ({ job, ...payload }))),
  }),

  /** Slack failed while showing a request: show it again (the scheduler backs off until it works). */
  jobKind({
    name: PUBLISH_JOB,
    payload: forRequest,
    what: null,
    run: (deps, { requestId }) => deps.publisher.publishOrThrow(requestId),
  }),

  /** The policy's deletion date: scrub the data, or wait (and say so) for the checks it needs. */
  jobKind({
    name: DELETE_JOB,
    payload: forRequest,
    what: "job.data.delete",
    run: async (deps, { requestId }) => {
      const outcome = await runDeletion(deps.services, requestId);
      if (outcome.status !== "skipped") await deps.publisher.publish(requestId);
    },
  }),

  /** Some days before deletion, the requester is told, with what it still waits for. */
  jobKind({
    name: DELETE_REMINDER_JOB,
    payload: forRequest,
    what: "job.data.delete.remind",
    run: (deps, { requestId }) => remindOfDeletion(deps, requestId),
  }),

  /** Service has ended: execute with the same re-validation as the button. A failed action is retried by the scheduler. */
  jobKind({
    name: EXECUTE_JOB,
    payload: forRequest,
    what: "job.request.execute",
    run: async (deps, { requestId }) => {
      const result = await executeRequest(deps.services, requestId, "system");
      await deps.publisher.publish(requestId);
      if (!result.ok && !SETTLED.has(result.error.code)) throw new Error(describeDomainError(result.error));
    },
  }),

  /** A process died half-way through an execution: finish it (a failed action shows on the card, as with the button). */
  jobKind({
    name: RESUME_JOB,
    payload: z.object({ requestId: z.uuid(), userId: z.string().min(1) }),
    what: "job.execution.resume",
    run: async (deps, { requestId, userId }) => {
      const outcome = await resumeExecution(deps.services, requestId, userId);
      if (outcome.status === "ran") await deps.publisher.publish(requestId);
    },
  }),
];

/** The scheduler's handler per kind: the payload is checked, then the kind runs it. */
export function jobHandlers(deps: SlackDeps): Record<string, JobHandler> {
  return Object.fromEntries(JOB_KINDS.map((kind) => [kind.name, (job: ClaimedJob) => kind.run(deps, kind.payload.parse(job.payload), job)]));
}

/** The kinds whose jobs, when several fall due together, run together; a job whose payload is wrong fails alone. */
export function batchHandlers(deps: SlackDeps): Record<string, BatchJobHandler> {
  const handlers: Record<string, BatchJobHandler> = {};
  for (const kind of JOB_KINDS) {
    const runTogether = kind.runTogether;
    if (!runTogether) continue;
    handlers[kind.name] = async (jobs) => {
      const wrong = new Map<string, string | null>();
      const due: { job: ClaimedJob; payload: unknown }[] = [];
      for (const job of jobs) {
        const parsed = kind.payload.safeParse(job.payload);
        if (parsed.success) due.push({ job, payload: parsed.data });
        else wrong.set(job.id, parsed.error.message);
      }
      const outcomes = await runTogether(deps, due);
      for (const [id, error] of wrong) outcomes.set(id, error);
      return outcomes;
    };
  }
  return handlers;
}

/** A job that failed for good is said in its request's thread, to the requester: never silence. */
export function reportFailedJob(deps: SlackDeps): (job: ClaimedJob, error: string) => Promise<void> {
  return async (job, error) => {
    if (!job.requestId) return;
    await deps.publisher.publish(job.requestId);
    const { store } = deps.services;
    const [post, requester] = await Promise.all([store.publications.cardOf(job.requestId), store.requests.requesterOf(job.requestId)]);
    if (!post || !requester) return;
    const ctx = deps.publisher.channelContext();
    const known = JOB_KINDS.find((kind) => kind.name === job.kind)?.what;
    const what = known ? t(ctx.language, known) : job.kind;
    const text = t(ctx.language, "thread.jobFailed", { owner: mention(requester), what, attempts: job.attempts, error: escapeText(error) });
    await deps.publisher.postInThread(post, { text, blocks: [{ type: "section", text: { type: "mrkdwn", text: clip(text, 3000) } }] });
  };
}
