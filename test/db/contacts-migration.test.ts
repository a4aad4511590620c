import { cp, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type DatabaseHandle } from "../../src/db/database.ts";
import { applyMigrations, MIGRATIONS_DIR } from "../../src/db/migrations.ts";
import { createPostgresDatabaseUrl, testDatabaseKind } from "../support/db.ts";

// contacts_role_language on a database that already has contacts: every row stays, phones that
// become E.164 without spaces, dashes and parentheses are written so, the others are left as they were.
const MIGRATION = "20261130091544_contacts_role_language";
let handle: DatabaseHandle;
let before: string;
let drop = async () => {};

beforeAll(async () => {
  // The migrations up to the one before this one, in a folder of their own.
  before = await mkdtemp(join(tmpdir(), "offboard-migrations-"));
  const names = (await readdir(MIGRATIONS_DIR, { withFileTypes: true })).filter((e) => e.isDirectory() && e.name < MIGRATION).map((e) => e.name);
  for (const name of names) await cp(join(MIGRATIONS_DIR, name), join(before, name), { recursive: true });
  await cp(join(MIGRATIONS_DIR, "migration_lock.toml"), join(before, "migration_lock.toml"));
  if (testDatabaseKind === "embedded") handle = await openDatabase({ kind: "embedded" });
  else {
    const database = await createPostgresDatabaseUrl();
    drop = database.drop;
    handle = await openDatabase({ kind: "postgres", url: database.url });
  }
});
afterAll(async () => {
  await handle?.close();
  await drop();
  await rm(before, { recursive: true, force: true });
});

describe(`the contacts_role_language migration (${testDatabaseKind} database)`, () => {
  it("keeps every contact, normalises the phones it can, and adds role and language empty", async () => {
    await applyMigrations(handle, before);
    const db = handle.prisma;
    await db.$executeRawUnsafe(`INSERT INTO "Client" ("ref", "refKey", "name", "nameKey", "updatedAt") VALUES ('OLD-1', 'old 1', 'Old', 'old', now())`);
    const phones = ["+598 99 123 456", "+55 (11) 91234-5678", "+59899123456", "099 123 456", "+598.99.123.456", null];
    for (const [i, phone] of phones.entries()) {
      await db.$executeRawUnsafe(
        `INSERT INTO "Contact" ("clientId", "name", "email", "phone", "isPrimary", "updatedAt") SELECT "id", $1, $2, $3, $4, now() FROM "Client" WHERE "ref" = 'OLD-1'`,
        `Person ${i}`,
        i === 0 ? "p0@old.test" : null,
        phone,
        i === 0,
      );
    }
    expect(await applyMigrations(handle)).toEqual([MIGRATION, ...(await laterThan(MIGRATION))]);
    const rows = await db.contact.findMany({ orderBy: { name: "asc" } });
    expect(rows.map((c) => [c.name, c.email, c.phone, c.role, c.language, c.isPrimary, c.active])).toEqual([
      ["Person 0", "p0@old.test", "+59899123456", null, null, true, true],
      ["Person 1", null, "+5511912345678", null, null, false, true],
      ["Person 2", null, "+59899123456", null, null, false, true],
      ["Person 3", null, "099 123 456", null, null, false, true],
      ["Person 4", null, "+598.99.123.456", null, null, false, true],
      ["Person 5", null, null, null, null, false, true],
    ]);
  });
});

async function laterThan(name: string): Promise<string[]> {
  return (await readdir(MIGRATIONS_DIR, { withFileTypes: true })).filter((e) => e.isDirectory() && e.name > name).map((e) => e.name).sort();
}
