import { randomBytes } from "node:crypto";
import pg from "pg";
import { openDatabase, type DatabaseHandle } from "../../src/db/database.ts";
import { applyMigrations } from "../../src/db/migrations.ts";

export const testDatabaseUrl = process.env.OFFBOARD_TEST_DATABASE_URL;
export const testDatabaseKind = testDatabaseUrl ? "postgres" : "embedded";

/**
 * A fresh, migrated database for one test file: in-memory PGlite, or a new
 * database on the PostgreSQL server named by OFFBOARD_TEST_DATABASE_URL
 * (dropped again by close()).
 */
export async function createTestDatabase(): Promise<DatabaseHandle> {
  if (!testDatabaseUrl) {
    const db = await openDatabase({ kind: "embedded" });
    await applyMigrations(db);
    return db;
  }
  const name = `offboard_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: testDatabaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(testDatabaseUrl);
  url.pathname = `/${name}`;
  const db = await openDatabase({ kind: "postgres", url: url.toString() });
  await applyMigrations(db);
  return {
    ...db,
    close: async () => {
      await db.close();
      const admin2 = new pg.Client({ connectionString: testDatabaseUrl });
      await admin2.connect();
      await admin2.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin2.end();
    },
  };
}
