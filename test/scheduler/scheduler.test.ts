import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type DatabaseHandle, type Db } from "../../src/db/database.ts";
import { cancelJobs, claimDueJobs, completeJob, jobRepository, scheduleJobs, type ClaimedJob } from "../../src/db/jobs.ts";
import { backoffMs } from "../../src/scheduler/jobs.ts";
import { Scheduler } from "../../src/scheduler/scheduler.ts";
import { ManualClock } from "../../src/services/clock.ts";
import { createTestDatabase, testDatabaseKind } from "../support/db.ts";

let handle: DatabaseHandle & { url?: string };
let db: Db;
const T0 = new Date("2026-08-09T12:00:00Z");
let run = 0;

beforeAll(async () => {
  handle = await createTestDatabase();
  db = handle.prisma;
});
afterAll(async () => {
  await handle?.close();
});

/** A fresh job kind per test, so tests sharing the database never see each other's jobs. */
function kind(): string {
  run += 1;
  return `test.kind${run}`;
}

function worker(clock: ManualClock, handlers: Record<string, (job: ClaimedJob) => Promise<void>>, extra: Partial<ConstructorParameters<typeof Scheduler>[0]> = {}) {
  return new Scheduler({ jobs: jobRepository(db), clock, handlers, pollMs: 10, ...extra });
}

describe("scheduler", () => {
  it("runs jobs when they fall due, not before; jobs due while it was down run at once", async () => {
    const k = kind();
    const clock = new ManualClock(T0);
    const ran: string[] = [];
    await scheduleJobs(db, [
      { kind: k, key: `${k}:past`, runAt: new Date(T0.getTime() - 86_400_000) },
      { kind: k, key: `${k}:now`, runAt: T0 },
      { kind: k, key: `${k}:later`, runAt: new Date(T0.getTime() + 60_000) },
    ]);
    const scheduler = worker(clock, { [k]: async (job) => void ran.push(job.key) });
    await scheduler.tick();
    expect(ran.sort()).toEqual([`${k}:now`, `${k}:past`]);
    clock.advance(59_999);
    await scheduler.tick();
    expect(ran).toHaveLength(2);
    clock.advance(1);
    await scheduler.tick();
    expect(ran).toContain(`${k}:later`);
    expect(await db.job.count({ where: { kind: k, status: "done" } })).toBe(3);
  });

  it("scheduling the same key twice makes one job; cancelled jobs never run", async () => {
    const k = kind();
    const request = "00000000-0000-4000-8000-00000000000a";
    expect(await scheduleJobs(db, [{ kind: k, key: `${k}:one`, runAt: T0, requestId: request }])).toBe(1);
    expect(await scheduleJobs(db, [{ kind: k, key: `${k}:one`, runAt: T0, requestId: request }])).toBe(0);
    expect(await cancelJobs(db, request, [k])).toBe(1);
    const ran: string[] = [];
    await worker(new ManualClock(T0), { [k]: async (job) => void ran.push(job.key) }).tick();
    expect(ran).toEqual([]);
  });

  it("a failing job is retried with backoff, then fails for good and is reported", async () => {
    const k = kind();
    const clock = new ManualClock(T0);
    await scheduleJobs(db, [{ kind: k, key: `${k}:flaky`, runAt: T0, maxAttempts: 3 }]);
    const failed: string[] = [];
    const scheduler = worker(clock, { [k]: async () => Promise.reject(new Error("Slack said 503")) }, { onFailed: async (job, error) => void failed.push(`${job.key}: ${error}`) });
    await scheduler.tick();
    let job = await db.job.findUniqueOrThrow({ where: { key: `${k}:flaky` } });
    expect(job).toMatchObject({ status: "pending", attempts: 1, lastError: "Slack said 503", runAt: new Date(T0.getTime() + backoffMs(1)) });
    clock.advance(backoffMs(1));
    await scheduler.tick();
    job = await db.job.findUniqueOrThrow({ where: { key: `${k}:flaky` } });
    expect(job).toMatchObject({ status: "pending", attempts: 2 });
    expect(job.runAt.getTime() - clock.now().getTime()).toBe(backoffMs(2));
    clock.advance(backoffMs(2));
    await scheduler.tick();
    expect(await db.job.findUniqueOrThrow({ where: { key: `${k}:flaky` } })).toMatchObject({ status: "failed", attempts: 3 });
    expect(failed).toEqual([`${k}:flaky: Slack said 503`]);
  });

  it("a job whose worker died is run by another once the lease has passed; the dead worker cannot complete it late", async () => {
    const k = kind();
    const clock = new ManualClock(T0);
    await scheduleJobs(db, [{ kind: k, key: `${k}:orphan`, runAt: T0 }]);
    // Worker A claims it and then dies (never completes).
    const [claimed] = await claimDueJobs(db, "worker-a", clock.now(), 60_000, 10).then((jobs) => jobs.filter((j) => j.kind === k));
    expect(claimed).toBeDefined();
    const ran: string[] = [];
    const b = worker(clock, { [k]: async (job) => void ran.push(job.key) }, { workerId: "worker-b", leaseMs: 60_000 });
    clock.advance(59_000);
    await b.tick();
    expect(ran).toEqual([]);
    clock.advance(2_000);
    await b.tick();
    expect(ran).toEqual([`${k}:orphan`]);
    expect(await db.job.findUniqueOrThrow({ where: { key: `${k}:orphan` } })).toMatchObject({ status: "done", attempts: 2, lockedBy: "worker-b" });
    // Worker A wakes up and tries to finish: refused, B's result stands.
    expect(await completeJob(db, claimed!, "worker-a", clock.now())).toBe(false);
  });

  it("runs its sweeps at every tick, after the due jobs; a failing sweep is reported and the jobs still run", async () => {
    const k = kind();
    const clock = new ManualClock(T0);
    const order: string[] = [];
    const logged: string[] = [];
    await scheduleJobs(db, [{ kind: k, key: `${k}:a`, runAt: T0 }]);
    const w = worker(clock, { [k]: async (job) => void order.push(job.key) }, {
      sweeps: [async () => void order.push("sweep"), () => Promise.reject(new Error("no"))],
      log: (message) => logged.push(message),
    });
    expect(await w.tick()).toBe(1);
    expect(await w.tick()).toBe(0);
    expect(order).toEqual([`${k}:a`, "sweep", "sweep"]);
    expect(logged).toEqual(["a scheduler sweep failed", "a scheduler sweep failed"]);
  });

  it("start() polls by itself and stop() waits for the job in hand", async () => {
    const k = kind();
    let finished = false;
    await scheduleJobs(db, [{ kind: k, key: `${k}:slow`, runAt: T0 }]);
    const scheduler = worker(new ManualClock(T0), {
      [k]: async () => {
        await new Promise((r) => setTimeout(r, 100));
        finished = true;
      },
    });
    scheduler.start();
    for (let i = 0; i < 100 && (await db.job.findUniqueOrThrow({ where: { key: `${k}:slow` } })).status !== "running"; i++) await new Promise((r) => setTimeout(r, 10));
    await scheduler.stop();
    expect(finished).toBe(true);
    expect((await db.job.findUniqueOrThrow({ where: { key: `${k}:slow` } })).status).toBe("done");
  });
});

describe("two workers on one PostgreSQL", () => {
  const needsPostgres = testDatabaseKind === "postgres" ? it : it.skip;
  needsPostgres(
    testDatabaseKind === "postgres" ? "claim the same 1,000 jobs: every job runs exactly once" : "claim the same 1,000 jobs (needs PostgreSQL: run `npm run test:pg`)",
    async () => {
      const k = kind();
      const clock = new ManualClock(T0);
      await scheduleJobs(db, Array.from({ length: 1000 }, (_, i) => ({ kind: k, key: `${k}:${i}`, runAt: T0 })));
      const second = await openDatabase({ kind: "postgres", url: handle.url! });
      try {
        const runs = new Map<string, number>();
        const handler = async (job: ClaimedJob) => {
          runs.set(job.key, (runs.get(job.key) ?? 0) + 1);
          await new Promise((r) => setImmediate(r));
        };
        const a = new Scheduler({ jobs: jobRepository(db), clock, handlers: { [k]: handler }, pollMs: 1, batchSize: 25, workerId: "a" });
        const b = new Scheduler({ jobs: jobRepository(second.prisma), clock, handlers: { [k]: handler }, pollMs: 1, batchSize: 25, workerId: "b" });
        const drain = async (s: Scheduler) => {
          while ((await s.tick()) > 0);
        };
        await Promise.all([drain(a), drain(b), drain(a), drain(b)]);
        expect(runs.size).toBe(1000);
        expect([...runs.values()].every((n) => n === 1)).toBe(true);
        const byWorker = await db.job.groupBy({ by: ["lockedBy"], where: { kind: k }, _count: true });
        expect(byWorker.map((w) => w.lockedBy).sort()).toEqual(["a", "b"]);
        expect(await db.job.count({ where: { kind: k, status: "done" } })).toBe(1000);
      } finally {
        await second.close();
      }
    },
  );

  needsPostgres(
    testDatabaseKind === "postgres" ? "a worker killed with SIGKILL holding a job: the job runs elsewhere after the lease" : "a worker killed with SIGKILL (needs PostgreSQL: run `npm run test:pg`)",
    async () => {
      const { spawn } = await import("node:child_process");
      const k = kind();
      await scheduleJobs(db, [{ kind: k, key: `${k}:held`, runAt: new Date(Date.now() - 1000) }]);
      const child = spawn(process.execPath, ["--import", "tsx", new URL("../support/claim-and-hang.ts", import.meta.url).pathname, handle.url!, k, "1500"], { stdio: ["ignore", "pipe", "inherit"] });
      const exited = new Promise((done) => child.on("exit", done));
      const output = await new Promise<string>((done) => child.stdout.on("data", (d: Buffer) => done(d.toString())));
      expect(output.trim()).toBe("claimed 1");
      child.kill("SIGKILL");
      await exited;
      expect(await db.job.findUniqueOrThrow({ where: { key: `${k}:held` } })).toMatchObject({ status: "running", lockedBy: "doomed-worker" });

      const ran: string[] = [];
      const survivor = new Scheduler({ jobs: jobRepository(db), clock: { now: () => new Date() }, handlers: { [k]: async (job) => void ran.push(job.key) }, pollMs: 10, workerId: "survivor" });
      await survivor.tick();
      expect(ran).toEqual([]);
      await new Promise((r) => setTimeout(r, 1600));
      await survivor.tick();
      expect(ran).toEqual([`${k}:held`]);
      expect(await db.job.findUniqueOrThrow({ where: { key: `${k}:held` } })).toMatchObject({ status: "done", lockedBy: "survivor", attempts: 2 });
    },
  );
});
