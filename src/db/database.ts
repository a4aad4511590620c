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

export type DatabaseTarget =
  | { kind: "postgres"; url: string }
  /** dataDir undefined: in memory (tests, one-off tools). */
  | { kind: "embedded"; dataDir?: string };

/**
 * Opens the database: PostgreSQL when a URL is given, otherwise PGlite
 * (PostgreSQL compiled to WASM) served in-process over the wire protocol on a
 * private unix socket, so both go through the same driver and adapter.
 */
export async function openDatabase(target: DatabaseTarget): Promise<DatabaseHandle> {
  if (target.kind === "postgres") {
    const pgConfig: pg.PoolConfig = { connectionString: target.url, max: 10 };
    const prisma = new PrismaClient({ adapter: new PrismaPg(pgConfig) });
    return {
      kind: "postgres",
      prisma,
      pgConfig,
      close: () => prisma.$disconnect(),
    };
  }
  const embedded = await startEmbedded(target.dataDir);
  // PGlite has one session: a pool of one keeps transactions on one connection.
  const pgConfig: pg.PoolConfig = { host: embedded.socketDir, port: 5432, user: "postgres", database: "postgres", max: 1 };
  const prisma = new PrismaClient({ adapter: new PrismaPg(pgConfig) });
  return {
    kind: "embedded",
    prisma,
    pgConfig,
    close: async () => {
      await prisma.$disconnect();
      await embedded.stop();
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
