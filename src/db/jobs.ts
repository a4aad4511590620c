import type { Prisma } from "../generated/prisma/client.ts";
import type { Tx } from "./database.ts";

// The durable job queue's rows. What the jobs mean, how they are run and when
// a failed one is retried is the scheduler's (src/scheduler/); this is where
// its queries live.

export interface JobToSchedule {
  kind: string;
  /** One job per intent: a second job with the same key is not created. */
  key: string;
  runAt: Date;
  payload?: Record<string, unknown>;
  requestId?: string | null;
  maxAttempts?: number;
}

export interface ClaimedJob {
  id: string;
  kind: string;
  key: string;
  payload: Record<string, unknown>;
  requestId: string | null;
  attempts: number;
  maxAttempts: number;
  runAt: Date;
  /** What the previous attempt died of, if it failed. */
  lastError: string | null;
}

/** Writes jobs inside the caller's transaction, so they exist exactly when the state change that wants them does. */
export async function scheduleJobs(db: Tx, jobs: JobToSchedule[]): Promise<number> {
  if (jobs.length === 0) return 0;
  const { count } = await db.job.createMany({
    data: jobs.map((j) => ({
      kind: j.kind,
      key: j.key,
      runAt: j.runAt,
      payload: (j.payload ?? {}) as Prisma.InputJsonValue,
      requestId: j.requestId ?? null,
      ...(j.maxAttempts ? { maxAttempts: j.maxAttempts } : {}),
    })),
    skipDuplicates: true,
  });
  return count;
}

/** Pending jobs of a request that are no longer wanted (the request closed, the client answered); `keyPrefix` narrows to one intent. */
export async function cancelJobs(db: Tx, requestId: string, kinds?: string[], keyPrefix?: string): Promise<number> {
  const { count } = await db.job.updateMany({
    where: { requestId, status: "pending", ...(kinds ? { kind: { in: kinds } } : {}), ...(keyPrefix ? { key: { startsWith: keyPrefix } } : {}) },
    data: { status: "cancelled" },
  });
  return count;
}

/**
 * Claims up to `limit` due jobs for one worker: pending jobs whose time has
 * come, and running jobs whose worker's lease has passed (it died). Rows
 * another worker is claiming are skipped, not waited for, so several
 * processes on one PostgreSQL never claim the same job at once.
 */
export async function claimDueJobs(db: Tx, workerId: string, now: Date, leaseMs: number, limit: number): Promise<ClaimedJob[]> {
  const until = new Date(now.getTime() + leaseMs);
  const rows = await db.$queryRaw<(Omit<ClaimedJob, "payload"> & { payload: unknown })[]>`
    UPDATE "Job" AS j
    SET "status" = 'running'::"JobStatus", "lockedBy" = ${workerId}, "lockedUntil" = ${until}, "attempts" = j."attempts" + 1, "updatedAt" = ${now}
    FROM (
      SELECT "id" FROM "Job"
      WHERE ("status" = 'pending'::"JobStatus" AND "runAt" <= ${now})
         OR ("status" = 'running'::"JobStatus" AND "lockedUntil" < ${now} AND "attempts" < "maxAttempts")
      ORDER BY "runAt", "id"
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    ) AS due
    WHERE j."id" = due."id"
    RETURNING j."id", j."kind", j."key", j."payload", j."requestId", j."attempts", j."maxAttempts", j."runAt", j."lastError"`;
  return rows.map((r) => ({ ...r, payload: (r.payload ?? {}) as Record<string, unknown> }));
}

/** Marks a job done, if this worker still holds it; false when its lease passed and another worker took it. */
export async function completeJob(db: Tx, job: ClaimedJob, workerId: string, now: Date): Promise<boolean> {
  const { count } = await db.job.updateMany({
    where: { id: job.id, status: "running", lockedBy: workerId, attempts: job.attempts },
    data: { status: "done", finishedAt: now, lockedUntil: null, lastError: null },
  });
  return count === 1;
}

/** A failed attempt to run again at `runAt`, if this worker still holds it; false when another worker took it. */
export async function retryJob(db: Tx, job: ClaimedJob, workerId: string, error: string, runAt: Date): Promise<boolean> {
  const { count } = await db.job.updateMany({
    where: { id: job.id, status: "running", lockedBy: workerId, attempts: job.attempts },
    data: { status: "pending", runAt, lockedBy: null, lockedUntil: null, lastError: error },
  });
  return count === 1;
}

/** A job failed for good (its last attempt failed), if this worker still holds it; false when another worker took it. */
export async function failJob(db: Tx, job: ClaimedJob, workerId: string, error: string, now: Date): Promise<boolean> {
  const { count } = await db.job.updateMany({
    where: { id: job.id, status: "running", lockedBy: workerId, attempts: job.attempts },
    data: { status: "failed", finishedAt: now, lockedUntil: null, lastError: error },
  });
  return count === 1;
}

/** Running jobs whose worker died on their last attempt: failed, so they are seen rather than forgotten. */
export async function failAbandonedJobs(db: Tx, now: Date): Promise<ClaimedJob[]> {
  const rows = await db.$queryRaw<(Omit<ClaimedJob, "payload"> & { payload: unknown })[]>`
    UPDATE "Job" SET "status" = 'failed'::"JobStatus", "finishedAt" = ${now}, "lockedUntil" = NULL,
      "lastError" = COALESCE("lastError", 'the worker running it stopped'), "updatedAt" = ${now}
    WHERE "status" = 'running'::"JobStatus" AND "lockedUntil" < ${now} AND "attempts" >= "maxAttempts"
    RETURNING "id", "kind", "key", "payload", "requestId", "attempts", "maxAttempts", "runAt", "lastError"`;
  return rows.map((r) => ({ ...r, payload: (r.payload ?? {}) as Record<string, unknown> }));
}

/** When the earliest pending job falls due, if one does at or before `until` (the sandbox's clock steps through them). */
export async function nextJobDueAt(db: Tx, until: Date): Promise<Date | null> {
  const next = await db.job.findFirst({ where: { status: "pending", runAt: { lte: until } }, orderBy: { runAt: "asc" }, select: { runAt: true } });
  return next?.runAt ?? null;
}

/** The job queue, on the database or inside a transaction. */
export function jobRepository(db: Tx) {
  return {
    schedule: (jobs: JobToSchedule[]) => scheduleJobs(db, jobs),
    cancel: (requestId: string, kinds?: string[], keyPrefix?: string) => cancelJobs(db, requestId, kinds, keyPrefix),
    claimDue: (workerId: string, now: Date, leaseMs: number, limit: number) => claimDueJobs(db, workerId, now, leaseMs, limit),
    complete: (job: ClaimedJob, workerId: string, now: Date) => completeJob(db, job, workerId, now),
    retry: (job: ClaimedJob, workerId: string, error: string, runAt: Date) => retryJob(db, job, workerId, error, runAt),
    fail: (job: ClaimedJob, workerId: string, error: string, now: Date) => failJob(db, job, workerId, error, now),
    failAbandoned: (now: Date) => failAbandonedJobs(db, now),
    nextDueAt: (until: Date) => nextJobDueAt(db, until),
  };
}

export type JobRepository = ReturnType<typeof jobRepository>;
