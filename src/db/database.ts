import { mkdir, mkdtemp, open, readFile, rm, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";

/** The extensions the migrations use, loaded into every embedded database (PostgreSQL ships them). */
export const PGLITE_EXTENSIONS = { pg_trgm };
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../generated/prisma/client.ts";

export type Db = PrismaClient;
/** The client handed to code running inside `db.$transaction(async (tx) => …)`. */
export type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

export interface DatabaseHandle {
  readonly kind: "embedded" | "postgres";
  readonly prisma: PrismaClient;
  /** pg connection settings; migrations open their own short-lived pool from them. */
  readonly pgConfig: pg.PoolConfig;
  close(): Promise<void>;
}

/** Which database to open (chosen from the environment in config/env.ts). */
export type { DatabaseTarget } from "../config/env.ts";
import type { DatabaseTarget } from "../config/env.ts";

/**
 * Opens the database: PostgreSQL when a URL is given, otherwise PGlite
 * (PostgreSQL compiled to WASM) served in-process over the wire protocol on a
 * private unix socket, so both go through the same driver and adapter.
 */
export async function openDatabase(target: DatabaseTarget, options: OpenOptions = {}): Promise<DatabaseHandle> {
  if (target.kind === "postgres") {
    const pgConfig: pg.PoolConfig = { connectionString: target.url, max: 10 };
    const { prisma, end } = clientOn(pgConfig, options);
    return {
      kind: "postgres",
      prisma,
      pgConfig,
      close: async () => {
        await prisma.$disconnect();
        await end();
      },
    };
  }
  const embedded = await startEmbedded(target.dataDir);
  // PGlite has one session: a pool of one keeps transactions on one connection.
  const pgConfig: pg.PoolConfig = { host: embedded.socketDir, port: 5432, user: "postgres", database: "postgres", max: 1 };
  const { prisma, end } = clientOn(pgConfig, options);
  return {
    kind: "embedded",
    prisma,
    pgConfig,
    close: async () => {
      await prisma.$disconnect();
      await end();
      await embedded.stop();
    },
  };
}

export interface OpenOptions {
  /** Told every statement the driver sends (BEGIN and COMMIT included): how the work per click is counted. */
  onQuery?: (sql: string) => void;
}

/** The Prisma client on a pool of our own, so the driver itself can be observed. */
function clientOn(pgConfig: pg.PoolConfig, options: OpenOptions): { prisma: PrismaClient; end: () => Promise<void> } {
  const pool = new pg.Pool(pgConfig);
  // An idle connection the server closed (a restart, a dropped database) is discarded by the pool and
  // replaced on next use; without a listener Node would treat the event as a crash. The adapter listens
  // only while Prisma is connected, so the pool listens for its whole life.
  pool.on("error", () => {});
  const onQuery = options.onQuery;
  if (onQuery) {
    pool.on("connect", (client) => {
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as { query: unknown }).query = (...args: unknown[]) => {
        const first = args[0];
        onQuery(typeof first === "string" ? first : String((first as { text?: unknown } | null)?.text ?? ""));
        return query(...args);
      };
    });
  }
  let ended = false;
  return {
    prisma: new PrismaClient({ adapter: new PrismaPg(pool) }),
    end: async () => {
      if (ended) return;
      ended = true;
      await pool.end().catch(() => {});
    },
  };
}

interface EmbeddedServer {
  socketDir: string;
  stop(): Promise<void>;
}

async function startEmbedded(dataDir: string | undefined): Promise<EmbeddedServer> {
  const releaseLock = dataDir ? await lockDataDir(resolve(dataDir)) : async () => {};
  let db: PGlite | undefined;
  let socketDir: string | undefined;
  try {
    db = dataDir ? await PGlite.create(join(resolve(dataDir), "pglite"), { extensions: PGLITE_EXTENSIONS }) : await PGlite.create({ extensions: PGLITE_EXTENSIONS });
    // A unix socket in a private temporary folder: PGlite has no authentication.
    socketDir = await mkdtemp(join(tmpdir(), "offboard-pg-"));
    // Migrations open a second, short-lived connection beside the app's pool.
    const server = new PGLiteSocketServer({ db, path: join(socketDir, ".s.PGSQL.5432"), maxConnections: 4 });
    await server.start();
    const dir = socketDir;
    const pglite = db;
    return {
      socketDir: dir,
      stop: async () => {
        await server.stop();
        await pglite.close();
        await rm(dir, { recursive: true, force: true });
        await releaseLock();
      },
    };
  } catch (error) {
    await db?.close().catch(() => {});
    if (socketDir) await rm(socketDir, { recursive: true, force: true });
    await releaseLock();
    throw error;
  }
}

export class DataDirLockedError extends Error {
  constructor(dir: string, pid: number) {
    super(
      `the embedded database in ${dir} is in use by process ${pid}; stop it first, ` +
        `or set DATABASE_URL to a PostgreSQL server to run several processes`,
    );
    this.name = "DataDirLockedError";
  }
}

/** One process per embedded database: two PGlite instances on one folder corrupt it. */
async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  await mkdir(dir, { recursive: true });
  const lockPath = join(dir, "offboard.lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockPath, "wx");
      await handle.writeFile(String(process.pid));
      await handle.close();
      return async () => {
        await unlink(lockPath).catch(() => {});
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const pid = Number((await readFile(lockPath, "utf8").catch(() => "")).trim());
      if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) throw new DataDirLockedError(dir, pid);
      await unlink(lockPath).catch(() => {}); // left by a process that died
    }
  }
  throw new Error(`could not lock ${dir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The database cannot be used; the message is one plain line saying why and what to do. */
export class DatabaseUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "DatabaseUnavailableError";
  }
}

/** Asks the database one trivial question, so a wrong address, name or password is said plainly before any work. */
export async function checkDatabase(db: DatabaseHandle, target: DatabaseTarget): Promise<void> {
  try {
    await db.prisma.$queryRaw`SELECT 1`;
  } catch (error) {
    throw new DatabaseUnavailableError(describeDatabaseFailure(error, target), { cause: error });
  }
}

/** One line for a driver failure, from what the adapter reports (no Prisma text): what failed, where, and what to do. */
export function describeDatabaseFailure(error: unknown, target: DatabaseTarget): string {
  const cause = (error as { meta?: { driverAdapterError?: { cause?: Record<string, unknown> } } }).meta?.driverAdapterError?.cause ?? {};
  const url = target.kind === "postgres" ? safeUrl(target.url) : undefined;
  const where = url ? `${url.hostname}:${url.port || "5432"}` : "the embedded database";
  const database = typeof cause.db === "string" ? cause.db : decodeURIComponent(url?.pathname.slice(1) || "postgres");
  switch (cause.kind) {
    case "DatabaseDoesNotExist":
      return `the database "${database}" does not exist on ${where}: create it first (createdb -h ${url?.hostname ?? "HOST"} -p ${url?.port || "5432"} "${database}", or CREATE DATABASE "${database}"), then start again`;
    case "DatabaseNotReachable":
      return `PostgreSQL could not be reached at ${where} (DATABASE_URL): is the server running and the address right?`;
    case "DatabaseAccessDenied":
    case "AuthenticationFailed":
      return `PostgreSQL at ${where} refused user "${decodeURIComponent(url?.username || "?")}"${typeof cause.originalMessage === "string" ? ` (${cause.originalMessage})` : ""}: check the user and password in DATABASE_URL`;
    default: {
      const said = typeof cause.originalMessage === "string" ? cause.originalMessage : (error instanceof Error ? error.message : String(error)).trim().split("\n").at(-1);
      return `the database at ${where} failed: ${said}`;
    }
  }
}

function safeUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}
