import { describe } from "vitest";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { openDatabase, type DatabaseHandle, type OpenOptions } from "../../src/db/database.ts";
import type { AuditInput } from "../../src/db/audit.ts";
import { applyMigrations } from "../../src/db/migrations.ts";

export const testDatabaseUrl = process.env.OFFBOARD_TEST_DATABASE_URL;
export const testDatabaseKind = testDatabaseUrl ? "postgres" : "embedded";

/** A suite that needs PostgreSQL: skipped on the embedded database under a name that says so, never passed silently. */
export function describeOnPostgres(title: string, body: () => void): void {
  if (testDatabaseKind === "postgres") describe(title, body);
  else describe.skip(`${title} (needs PostgreSQL: run \`npm run test:pg\`)`, body);
}

/** A new, empty database on the test PostgreSQL server, for code that connects by URL (the CLI). */
export async function createPostgresDatabaseUrl(): Promise<{ url: string; drop(): Promise<void> }> {
  if (!testDatabaseUrl) throw new Error("OFFBOARD_TEST_DATABASE_URL is not set");
  const name = `offboard_test_${randomBytes(6).toString("hex")}`;
  await adminQuery(`CREATE DATABASE "${name}"`);
  const url = new URL(testDatabaseUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

async function adminQuery(sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: testDatabaseUrl });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

/**
 * A fresh, migrated database for one test file: in-memory PGlite, or a new
 * database on the PostgreSQL server named by OFFBOARD_TEST_DATABASE_URL
 * (dropped again by close()).
 */
export async function createTestDatabase(options: OpenOptions = {}): Promise<DatabaseHandle & { url?: string }> {
  if (!testDatabaseUrl) {
    const db = await openDatabase({ kind: "embedded" }, options);
    await applyMigrations(db);
    return db;
  }
  const database = await createPostgresDatabaseUrl();
  const db = await openDatabase({ kind: "postgres", url: database.url }, options);
  await applyMigrations(db);
  return {
    ...db,
    url: database.url,
    close: async () => {
      await db.close();
      await database.drop();
    },
  };
}

/**
 * An event of any action and shape, for tests of the audit trail itself (its
 * chain, its outbox, its exports): production code can only append the
 * shapes domain/events.ts defines.
 */
export function rawEvent(event: { at: Date; actor: string; action: string; requestId?: string | null; clientId?: string | null; data?: Record<string, unknown> }): AuditInput {
  return event as unknown as AuditInput;
}
