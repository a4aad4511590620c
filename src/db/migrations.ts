import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from "@prisma/driver-adapter-utils";
import type pg from "pg";
import { PGlite } from "@electric-sql/pglite";
import { PGLITE_EXTENSIONS } from "./database.ts";
import type { DatabaseHandle, Db } from "./database.ts";
import { loadSchemaEngine, type SchemaEngine } from "./schema-engine.ts";

export const MIGRATIONS_DIR = fileURLToPath(new URL("../../prisma/migrations", import.meta.url));
export const SCHEMA_PATH = fileURLToPath(new URL("../../prisma/schema.prisma", import.meta.url));

const NO_FILTERS = { externalTables: [], externalEnums: [] };

type MigrationsList = Parameters<SchemaEngine["applyMigrations"]>[0]["migrationsList"];

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<MigrationsList> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const migrationDirectories = await Promise.all(
    names.map(async (name) => ({
      path: name,
      migrationFile: {
        path: "migration.sql",
        content: await readFile(join(dir, name, "migration.sql"), "utf8").then(
          (value) => ({ tag: "ok" as const, value }),
          (error: Error) => ({ tag: "error" as const, value: error.message }),
        ),
      },
    })),
  );
  return {
    baseDir: dir,
    lockfile: { path: "migration_lock.toml", content: await readFile(join(dir, "migration_lock.toml"), "utf8") },
    shadowDbInitScript: "",
    migrationDirectories,
  };
}

/**
 * adapter-pg runs a script statement by statement, split on ";", which breaks
 * function bodies and is not atomic. Sent as one simple query, PostgreSQL runs
 * the whole migration in one implicit transaction.
 */
function runScriptsWhole(adapter: SqlDriverAdapter & { underlyingDriver(): pg.Pool }): SqlDriverAdapter {
  adapter.executeScript = async (script: string) => {
    await adapter.underlyingDriver().query(script);
  };
  return adapter;
}

/**
 * The engine does not dispose the adapters it opens, and an open pool keeps the
 * process alive: every adapter is tracked and disposed (once) when done.
 */
abstract class TrackingFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = "postgres" as const;
  abstract readonly adapterName: string;
  private readonly open = new Set<SqlDriverAdapter>();

  protected abstract open1(): Promise<SqlDriverAdapter>;
  protected abstract openShadow(): Promise<SqlDriverAdapter>;

  connect(): Promise<SqlDriverAdapter> {
    return this.open1().then((a) => this.track(a));
  }

  connectToShadowDb(): Promise<SqlDriverAdapter> {
    return this.openShadow().then((a) => this.track(a));
  }

  async disposeAll(): Promise<void> {
    const adapters = [...this.open];
    await Promise.all(adapters.map((a) => a.dispose()));
  }

  private track(adapter: SqlDriverAdapter): SqlDriverAdapter {
    const dispose = adapter.dispose.bind(adapter);
    let disposed: Promise<void> | undefined;
    this.open.add(adapter);
    adapter.dispose = () => {
      this.open.delete(adapter);
      disposed ??= dispose();
      return disposed;
    };
    return adapter;
  }
}

/** Applies migrations through adapter-pg: the same driver the app uses. */
class MigrationAdapterFactory extends TrackingFactory {
  readonly adapterName = "@prisma/adapter-pg";
  constructor(private readonly config: pg.PoolConfig) {
    super();
  }

  protected async open1(): Promise<SqlDriverAdapter> {
    return runScriptsWhole(await new PrismaPg({ ...this.config, max: 1 }).connect());
  }

  protected openShadow(): Promise<SqlDriverAdapter> {
    return Promise.reject(new Error("applying migrations needs no shadow database"));
  }
}

/**
 * Diffs run on in-process PGlite through the community adapter: adapter-pg
 * cannot read the "char" columns of PostgreSQL's catalog that `diff` describes.
 * That adapter does not await its scripts, so they are run (awaited) here.
 */
class DiffAdapterFactory extends TrackingFactory {
  readonly adapterName = "@prisma/adapter-pglite";

  protected open1(): Promise<SqlDriverAdapter> {
    return this.scratch();
  }

  protected openShadow(): Promise<SqlDriverAdapter> {
    return this.scratch();
  }

  private async scratch(): Promise<SqlDriverAdapter> {
    const { PrismaPGlite } = await import("pglite-prisma-adapter");
    const db = await PGlite.create({ extensions: PGLITE_EXTENSIONS });
    const adapter = await new PrismaPGlite(db).connect();
    adapter.executeScript = async (script: string) => {
      await db.exec(script);
    };
    const dispose = adapter.dispose.bind(adapter);
    adapter.dispose = async () => {
      await dispose();
      await db.close();
    };
    return adapter;
  }
}

async function withEngine<T>(
  adapterFactory: TrackingFactory,
  run: (engine: SchemaEngine) => Promise<T>,
): Promise<T> {
  const Engine = await loadSchemaEngine();
  const datamodel = await readFile(SCHEMA_PATH, "utf8");
  const log = process.env.OFFBOARD_DEBUG_MIGRATIONS ? (line: string) => console.error(line) : () => {};
  const factory = bindMigrationAwareSqlAdapterFactory(adapterFactory);
  const engine = await Engine.new({ datamodels: [[SCHEMA_PATH, datamodel]] }, log, factory);
  try {
    return await run(engine);
  } catch (error) {
    throw explainEngineError(error, factory.errorRegistry);
  } finally {
    engine.free();
    await adapterFactory.disposeAll();
  }
}

/** The engine reports driver failures as "External error id#N": put the driver's message back. */
function explainEngineError(error: unknown, registry: { consumeError(id: number): { error: unknown } | undefined }): unknown {
  const message = error instanceof Error ? error.message : String(error);
  const match = /External error id#(\d+)/.exec(message);
  const cause = match ? registry.consumeError(Number(match[1]))?.error : undefined;
  if (!cause) return error;
  return new Error(`migration failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
}

/** Whether the database answers and has every migration of the folder applied (for /readyz). */
export async function databaseIsReady(db: Db, migrations: readonly string[]): Promise<boolean> {
  return (await pendingMigrations(db, migrations)).length === 0;
}

/** The migrations of the folder (by name) that the database has not applied. */
async function pendingMigrations(db: Db, migrations: readonly string[]): Promise<string[]> {
  const [table] = await db.$queryRaw<{ present: boolean }[]>`SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS present`;
  if (!table?.present) return [...migrations];
  const rows = await db.$queryRaw<{ name: string }[]>`SELECT "migration_name" AS name FROM "_prisma_migrations" WHERE "finished_at" IS NOT NULL AND "rolled_back_at" IS NULL`;
  const applied = new Set(rows.map((r) => r.name));
  return migrations.filter((name) => !applied.has(name));
}

/** `prisma migrate deploy`: applies pending migrations, returns their names. */
export async function applyMigrations(db: DatabaseHandle, dir = MIGRATIONS_DIR): Promise<string[]> {
  const migrationsList = await readMigrations(dir);
  // The usual restart has nothing to apply: then the schema engine (WASM, seconds to load) is not needed.
  if ((await pendingMigrations(db.prisma, migrationsList.migrationDirectories.map((m) => m.path))).length === 0) return [];
  const out = await withEngine(new MigrationAdapterFactory(db.pgConfig), (engine) => engine.applyMigrations({ migrationsList, filters: NO_FILTERS }));
  return out.appliedMigrationNames;
}

/**
 * The SQL that would bring the migrations folder up to prisma/schema.prisma;
 * empty when they agree. Computed on throwaway in-memory databases only.
 */
export async function diffSchemaAgainstMigrations(dir = MIGRATIONS_DIR): Promise<string> {
  const migrationsList = await readMigrations(dir);
  const datamodel = await readFile(SCHEMA_PATH, "utf8");
  const result = await withEngine(new DiffAdapterFactory(), (engine) =>
    engine.diff({
      from: { tag: "migrations", ...migrationsList },
      to: { tag: "schemaDatamodel", files: [{ path: SCHEMA_PATH, content: datamodel }] },
      script: true,
      exitCode: null,
      filters: NO_FILTERS,
    }),
  );
  const sql = (result.stdout ?? "").trim();
  return sql === "-- This is an empty migration." ? "" : sql;
}
