import { z } from "zod";
import { databaseTarget, loadEnv, type Env } from "../config/env.ts";
import { startOfLocalDay } from "../domain/calendar.ts";
import { checkDatabase, DatabaseUnavailableError, DataDirLockedError, openDatabase, type DatabaseHandle } from "../db/database.ts";
import { applyMigrations } from "../db/migrations.ts";
import { StartupError } from "../main.ts";

// What every command file under src/cli/ shares: the process it talks to, its one-line refusals,
// the environment, the database, long-running commands, and the instants the flags take.

export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** A refusal with a one-line reason (more lines may follow) and an exit code. */
export class CliFailure extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

/** Writes one line to standard output. */
export function lineWriter(io: CliIo): (line: string) => void {
  return (line) => io.stdout.write(`${line}\n`);
}

export function environment(io: CliIo): Env {
  const load = loadEnv(io.env);
  if (!load.ok) throw new CliFailure(`bad environment: ${load.problems.join("; ")}`, 2);
  return load.env;
}

/** What src/cli/clients.ts and src/cli/connector-check.ts take from the command line around them. */
export function commandDeps(io: CliIo): { environment(): Env; failure(message: string, exitCode?: number): Error } {
  return { environment: () => environment(io), failure: (message, exitCode) => new CliFailure(message, exitCode) };
}

/** Opens the database the environment names (applying pending migrations unless told not to), runs `work`, closes it. */
export async function withDatabase<T>(io: CliIo, options: { migrate: boolean }, work: (db: DatabaseHandle) => Promise<T>): Promise<T> {
  const env = environment(io);
  let db: DatabaseHandle;
  try {
    const target = databaseTarget(env, io.cwd);
    db = await openDatabase(target);
    try {
      await checkDatabase(db, target);
    } catch (error) {
      await db.close();
      throw error;
    }
  } catch (error) {
    if (error instanceof DataDirLockedError || error instanceof DatabaseUnavailableError) throw new CliFailure(error.message);
    throw new CliFailure(`cannot open the database: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    if (options.migrate) await applyMigrations(db);
    return await work(db);
  } finally {
    await db.close();
  }
}

/** Starts something that runs until SIGTERM or SIGINT, then stops it gracefully. */
export async function runUntilSignalled<T extends { stop(): Promise<void> }>(out: (line: string) => void, start: () => Promise<T>, started?: (running: T) => void): Promise<void> {
  let running: T;
  try {
    running = await start();
  } catch (error) {
    if (error instanceof StartupError) throw new CliFailure(error.message, error.exitCode);
    throw error;
  }
  started?.(running);
  await new Promise<void>((done) => {
    // A signal often arrives twice (to npm and to this process, or from the parent watch in bin/):
    // the first starts the stop, the others are ignored rather than killing the process mid-stop.
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      out(`${signal}: finishing work in progress, then stopping`);
      void running.stop().then(done);
    };
    process.on("SIGTERM", () => stop("SIGTERM"));
    process.on("SIGINT", () => stop("SIGINT"));
  });
  out("stopped");
}

export function sandboxBanner(url: string): string {
  return `Offboard sandbox (no Slack workspace): open ${url}`;
}

const instantSchema = z.union([z.iso.datetime({ offset: true }), z.iso.date()]);

/** An ISO date-time, or a bare date meaning the start of that day in `timezone`. */
export function instantIn(flag: string, value: string, timezone: string): Date {
  if (z.iso.date().safeParse(value).success) return startOfLocalDay(value, timezone);
  if (!z.iso.datetime({ offset: true }).safeParse(value).success) {
    throw new CliFailure(`${flag} "${value}" is not an ISO 8601 date-time (2026-08-09T10:00:00-03:00) or date (2026-08-09)`, 2);
  }
  return new Date(value);
}

/** An ISO date-time, or a bare date meaning UTC midnight. */
export function instant(flag: string, value: string): Date {
  if (!instantSchema.safeParse(value).success) {
    throw new CliFailure(`${flag} "${value}" is not an ISO 8601 date (2026-08-01) or date-time (2026-08-01T09:00:00-03:00)`, 2);
  }
  return new Date(value.length === 10 ? `${value}T00:00:00Z` : value);
}
