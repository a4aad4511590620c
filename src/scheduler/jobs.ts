import type { ClaimedJob } from "../db/jobs.ts";

// What a job is to the scheduler: its rows and their queries are src/db/jobs.ts.
export type { ClaimedJob, JobToSchedule } from "../db/jobs.ts";

export type JobHandler = (job: ClaimedJob) => Promise<void>;
/** Runs several due jobs of one kind together; returns, per job id, null (done) or why it failed. */
export type BatchJobHandler = (jobs: ClaimedJob[]) => Promise<Map<string, string | null>>;

/** Exponential backoff from 30 s, at most an hour, for the next attempt. */
export function backoffMs(attempts: number): number {
  return Math.min(30_000 * 2 ** Math.max(0, attempts - 1), 3_600_000);
}

/** Whether a failed attempt was the job's last: then it fails for good, else it is retried with backoff. */
export function isLastAttempt(job: Pick<ClaimedJob, "attempts" | "maxAttempts">): boolean {
  return job.attempts >= job.maxAttempts;
}
