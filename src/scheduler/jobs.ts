import type { Db, Tx } from "../db/database.ts";
import type { Prisma } from "../generated/prisma/client.ts";

export interface JobToSchedule {
  kind: string;
  /** One job per intent: a second job with the same key is not created. */
  key: string;
  runAt: Date;
  payload?: Record<string, unknown>;
  requestId?: string | null;
  maxAttempts?: number;
}

export type JobHandler = (job: ClaimedJob) => Promise<void>;
/** Runs several due jobs of one kind together; returns, per job id, null (done) or why it failed. */
export type BatchJobHandler = (jobs: ClaimedJob[]) => Promise<Map<string, string | null>>;

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
export async function scheduleJobs(tx: Tx | Db, jobs: JobToSchedule[]): Promise<number> {
  if (jobs.length === 0) return 0;
  const { count } = await tx.job.createMany({
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
export async function cancelJobs(tx: Tx | Db, requestId: string, kinds?: string[], keyPrefix?: string): Promise<number> {
  const { count } = await tx.job.updateMany({
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
export async function claimDueJobs(db: Db, workerId: string, now: Date, leaseMs: number, limit: number): Promise<ClaimedJob[]> {
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
export async function completeJob(db: Db, job: ClaimedJob, workerId: string, now: Date): Promise<boolean> {
  const { count } = await db.job.updateMany({
    where: { id: job.id, status: "running", lockedBy: workerId, attempts: job.attempts },
    data: { status: "done", finishedAt: now, lockedUntil: null, lastError: null },
  });
  return count === 1;
}

/** Exponential backoff from 30 s, at most an hour, for the next attempt. */
export function backoffMs(attempts: number): number {
  return Math.min(30_000 * 2 ** Math.max(0, attempts - 1), 3_600_000);
}

/**
 * A failed attempt: retried later with backoff, or failed for good after its
 * last attempt. Returns what happened (null: another worker holds it now).
 */
export async function failJob(db: Db, job: ClaimedJob, workerId: string, error: string, now: Date): Promise<"retry" | "failed" | null> {
  const final = job.attempts >= job.maxAttempts;
  const { count } = await db.job.updateMany({
    where: { id: job.id, status: "running", lockedBy: workerId, attempts: job.attempts },
    data: final
      ? { status: "failed", finishedAt: now, lockedUntil: null, lastError: error }
      : { status: "pending", runAt: new Date(now.getTime() + backoffMs(job.attempts)), lockedBy: null, lockedUntil: null, lastError: error },
  });
  if (count !== 1) return null;
  return final ? "failed" : "retry";
}

/** Running jobs whose worker died on their last attempt: failed, so they are seen rather than forgotten. */
export async function failAbandonedJobs(db: Db, now: Date): Promise<ClaimedJob[]> {
  const rows = await db.$queryRaw<(Omit<ClaimedJob, "payload"> & { payload: unknown })[]>`
    UPDATE "Job" SET "status" = 'failed'::"JobStatus", "finishedAt" = ${now}, "lockedUntil" = NULL,
      "lastError" = COALESCE("lastError", 'the worker running it stopped'), "updatedAt" = ${now}
    WHERE "status" = 'running'::"JobStatus" AND "lockedUntil" < ${now} AND "attempts" >= "maxAttempts"
    RETURNING "id", "kind", "key", "payload", "requestId", "attempts", "maxAttempts", "runAt", "lastError"`;
  return rows.map((r) => ({ ...r, payload: (r.payload ?? {}) as Record<string, unknown> }));
}

/** When the earliest pending job falls due, if one does at or before `until` (the sandbox's clock steps through them). */
export async function nextJobDueAt(db: Db, until: Date): Promise<Date | null> {
  const next = await db.job.findFirst({ where: { status: "pending", runAt: { lte: until } }, orderBy: { runAt: "asc" }, select: { runAt: true } });
  return next?.runAt ?? null;
}
