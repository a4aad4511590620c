import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { JobRepository } from "../db/jobs.ts";
import type { Clock } from "../domain/clock.ts";
import { backoffMs, isLastAttempt, type BatchJobHandler, type ClaimedJob, type JobHandler } from "./jobs.ts";

export type { JobHandler };

export interface SchedulerOptions {
  /** The job queue (the store's `jobs`). */
  jobs: JobRepository;
  clock: Clock;
  handlers: Record<string, JobHandler>;
  /** Kinds whose jobs, when several fall due together, are handled together (a digest). */
  batchHandlers?: Record<string, BatchJobHandler>;
  /** How often due jobs are claimed (SCHEDULER_POLL_MS). */
  pollMs: number;
  /** How long a claimed job is this worker's; past it, another worker may take it. */
  leaseMs?: number;
  batchSize?: number;
  /** Jobs run at once by this worker. */
  concurrency?: number;
  workerId?: string;
  /**
   * Work found by looking rather than claimed from a job row (requests whose
   * Slack publication a crash left pending): run after the due jobs at every
   * poll; each should cost one indexed query when there is nothing to do.
   */
  sweeps?: (() => Promise<unknown>)[];
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
  /** When the last poll ended (real time): a poll stuck for long means the scheduler is not running. */
  private lastPollAt = 0;

  constructor(private readonly options: SchedulerOptions) {
    this.workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.lastPollAt = Date.now();
    this.schedule(0);
  }

  /** Started, not stopped, and polling: its last poll ended recently. */
  isRunning(now = Date.now()): boolean {
    return !this.stopped && now - this.lastPollAt <= Math.max(60_000, 5 * this.options.pollMs);
  }

  /** Stops polling and waits for the jobs in hand to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Claims one batch of due jobs and runs it, then the sweeps; returns how many jobs were claimed. */
  async tick(): Promise<number> {
    const { jobs: queue, clock } = this.options;
    const now = clock.now();
    for (const abandoned of await queue.failAbandoned(now)) await this.failed(abandoned, abandoned.lastError ?? "the worker running it stopped");
    const jobs = await queue.claimDue(this.workerId, now, this.options.leaseMs ?? 60_000, this.options.batchSize ?? 50);
    const single: ClaimedJob[] = [];
    const byKind = new Map<string, ClaimedJob[]>();
    for (const job of jobs) byKind.set(job.kind, [...(byKind.get(job.kind) ?? []), job]);
    for (const [kind, group] of byKind) {
      const batch = this.options.batchHandlers?.[kind];
      if (batch && group.length > 1) await this.runBatch(batch, group);
      else single.push(...group);
    }
    const concurrency = this.options.concurrency ?? 4;
    for (let i = 0; i < single.length; i += concurrency) {
      await Promise.all(single.slice(i, i + concurrency).map((job) => this.run(job)));
    }
    for (const sweep of this.options.sweeps ?? []) await sweep().catch((error: unknown) => this.options.log?.("a scheduler sweep failed", error));
    return jobs.length;
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.drainDue()
        .catch((error: unknown) => this.options.log?.("the scheduler could not claim jobs", error))
        .finally(() => {
          this.lastPollAt = Date.now();
          this.schedule(this.options.pollMs);
        });
    }, delay);
  }

  /** Keeps claiming while full batches come back, so a backlog clears without waiting for polls. */
  private async drainDue(): Promise<void> {
    while (!this.stopped && (await this.tick()) >= (this.options.batchSize ?? 50));
  }

  private async run(job: ClaimedJob): Promise<void> {
    const handler = this.options.handlers[job.kind];
    let error: string | null = null;
    try {
      if (!handler) throw new Error(`no handler for job kind "${job.kind}"`);
      await handler(job);
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    await this.settle(job, error);
  }

  private async runBatch(handler: BatchJobHandler, jobs: ClaimedJob[]): Promise<void> {
    let outcomes: Map<string, string | null>;
    try {
      outcomes = await handler(jobs);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      outcomes = new Map(jobs.map((j) => [j.id, message]));
    }
    for (const job of jobs) await this.settle(job, outcomes.has(job.id) ? outcomes.get(job.id)! : "the batch handler gave no outcome");
  }

  private async settle(job: ClaimedJob, error: string | null): Promise<void> {
    const { jobs: queue, clock } = this.options;
    if (error === null) {
      if (!(await queue.complete(job, this.workerId, clock.now()))) this.options.log?.(`job ${job.id} (${job.kind}) finished after its lease passed`);
      return;
    }
    // A failed attempt: retried later with backoff, or failed for good after its last attempt (unless another worker holds it now).
    const now = clock.now();
    if (isLastAttempt(job)) {
      if (await queue.fail(job, this.workerId, error, now)) await this.failed(job, error);
    } else if (await queue.retry(job, this.workerId, error, new Date(now.getTime() + backoffMs(job.attempts)))) {
      this.options.log?.(`job ${job.id} (${job.kind}) failed, attempt ${job.attempts} of ${job.maxAttempts}: ${error}`);
    }
  }

  private async failed(job: ClaimedJob, error: string): Promise<void> {
    this.options.log?.(`job ${job.id} (${job.kind}) failed for good: ${error}`);
    await this.options.onFailed?.(job, error).catch((e: unknown) => this.options.log?.("reporting a failed job failed", e));
  }
}
