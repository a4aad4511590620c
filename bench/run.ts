// npm run bench: performance figures, printed, never asserted (machines are shared and noisy).
// Needs PostgreSQL: OFFBOARD_BENCH_DATABASE_URL, or the server on 127.0.0.1:5432.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { openDatabase } from "../src/db/database.ts";
import { applyMigrations } from "../src/db/migrations.ts";
import { jobRepository, scheduleJobs, type ClaimedJob } from "../src/db/jobs.ts";
import { Scheduler } from "../src/scheduler/scheduler.ts";
import { systemClock } from "../src/services/clock.ts";
import { sandboxBench } from "./sandbox.ts";
import { slackBench } from "./slack.ts";

/** A fresh database on the server for one part of the bench, dropped after. */
async function withDatabase(run: (url: string) => Promise<void>): Promise<void> {
  const name = `offboard_bench_${randomBytes(4).toString("hex")}`;
  await admin(`CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  try {
    await run(url.toString());
  } finally {
    await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
}

const serverUrl = process.env.OFFBOARD_BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** 10,000 due jobs, two workers (separate connection pools, as two processes would have). */
async function schedulerBench(jobs = 10_000): Promise<void> {
  const name = `offboard_bench_${randomBytes(4).toString("hex")}`;
  await admin(`CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const a = await openDatabase({ kind: "postgres", url: url.toString() });
  const b = await openDatabase({ kind: "postgres", url: url.toString() });
  try {
    await applyMigrations(a);
    const past = new Date(Date.now() - 1000);
    for (let i = 0; i < jobs; i += 1000) {
      await scheduleJobs(a.prisma, Array.from({ length: Math.min(1000, jobs - i) }, (_, j) => ({ kind: "bench", key: `bench:${i + j}`, runAt: past })));
    }
    const runs = new Map<string, number>();
    const handler = async (job: ClaimedJob) => {
      runs.set(job.key, (runs.get(job.key) ?? 0) + 1);
    };
    const workers = [a, b].map((db, i) => new Scheduler({ jobs: jobRepository(db.prisma), clock: systemClock, handlers: { bench: handler }, pollMs: 5, batchSize: 100, concurrency: 8, workerId: `bench-${i}` }));
    const started = performance.now();
    await Promise.all(workers.map(async (w) => {
      while ((await w.tick()) > 0);
    }));
    const seconds = (performance.now() - started) / 1000;
    const duplicates = [...runs.values()].reduce((sum, n) => sum + (n - 1), 0);
    const perWorker = await a.prisma.job.groupBy({ by: ["lockedBy"], _count: true });
    console.log("scheduler: %d due jobs, 2 workers on PostgreSQL", jobs);
    console.log("  ran            %d", runs.size);
    console.log("  duplicates     %d (must be 0)", duplicates);
    console.log("  time           %s s", seconds.toFixed(2));
    console.log("  throughput     %d jobs/s", Math.round(runs.size / seconds));
    console.log("  per worker     %s", perWorker.map((w) => `${w.lockedBy}: ${w._count}`).join(", "));
    if (duplicates > 0 || runs.size !== jobs) process.exitCode = 1;
  } finally {
    await a.close();
    await b.close();
    await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
}

try {
  await admin("SELECT 1");
} catch (error) {
  console.error(`npm run bench needs PostgreSQL at ${serverUrl} (set OFFBOARD_BENCH_DATABASE_URL): ${(error as Error).message}`);
  process.exit(1);
}
if (process.env.BENCH_ONLY === "sandbox") {
  await sandboxBench();
  process.exit(0);
}
if (!process.env.BENCH_ONLY_SLACK) await schedulerBench();
await withDatabase((url) => slackBench(url));
await sandboxBench();
