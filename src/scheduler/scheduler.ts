import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Db } from "../db/database.ts";
import type { Clock } from "../services/clock.ts";
import { claimDueJobs, completeJob, failAbandonedJobs, failJob, type ClaimedJob, type JobHandler } from "./jobs.ts";

export type { JobHandler };

export interface SchedulerOptions {
  db: Db;
  clock: Clock;
  handlers: Record<string, JobHandler>;
  /** How often due jobs are claimed (SCHEDULER_POLL_MS). */
  pollMs: number;
  /** How long a claimed job is this worker's; past it, another worker may take it. */
  leaseMs?: number;
  batchSize?: number;
  /** Jobs run at once by this worker. */
  concurrency?: number;
  workerId?: string;
  /** A job failed for good: make it visible (the card says so). */
  onFailed?: (job: ClaimedJob, error: string) => Promise<void>;
  log?: (message: string, error?: unknown) => void;
}

/**
 * Runs due jobs from the database. Several schedulers (processes) may share
 * one PostgreSQL: claims are leased and skip rows others hold. Jobs that fell
 * due while no scheduler ran are simply due at the next poll.
 */
export class Scheduler {
  readonly workerId: string;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(private readonly options: SchedulerOptions) {
    this.workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops polling and waits for the jobs in hand to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Claims one batch of due jobs and runs it; returns how many were claimed. */
  async tick(): Promise<number> {
    const { db, clock } = this.options;
    const now = clock.now();
    for (const abandoned of await failAbandonedJobs(db, now)) await this.failed(abandoned, abandoned.lastError ?? "the worker running it stopped");
    const jobs = await claimDueJobs(db, this.workerId, now, this.options.leaseMs ?? 60_000, this.options.batchSize ?? 50);
    const concurrency = this.options.concurrency ?? 4;
    for (let i = 0; i < jobs.length; i += concurrency) {
      await Promise.all(jobs.slice(i, i + concurrency).map((job) => this.run(job)));
    }
    return jobs.length;
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.drainDue()
        .catch((error: unknown) => this.options.log?.("the scheduler could not claim jobs", error))
        .finally(() => this.schedule(this.options.pollMs));
    }, delay);
  }

  /** Keeps claiming while full batches come back, so a backlog clears without waiting for polls. */
  private async drainDue(): Promise<void> {
    while (!this.stopped && (await this.tick()) >= (this.options.batchSize ?? 50));
  }

  private async run(job: ClaimedJob): Promise<void> {
    const { db, clock, handlers } = this.options;
    const handler = handlers[job.kind];
    try {
      if (!handler) throw new Error(`no handler for job kind "${job.kind}"`);
      await handler(job);
      if (!(await completeJob(db, job, this.workerId, clock.now()))) {
        this.options.log?.(`job ${job.id} (${job.kind}) finished after its lease passed; another worker holds it now`);
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const outcome = await failJob(db, job, this.workerId, message, clock.now());
      if (outcome === "failed") await this.failed(job, message);
      else this.options.log?.(`job ${job.id} (${job.kind}) failed, attempt ${job.attempts} of ${job.maxAttempts}: ${message}`);
    }
  }

  private async failed(job: ClaimedJob, error: string): Promise<void> {
    this.options.log?.(`job ${job.id} (${job.kind}) failed for good: ${error}`);
    await this.options.onFailed?.(job, error).catch((e: unknown) => this.options.log?.("reporting a failed job failed", e));
  }
}
