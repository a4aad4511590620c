// npm run db:new -- NAME: writes prisma/migrations/<timestamp>_NAME/migration.sql
// with the SQL that brings the migrations up to prisma/schema.prisma.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { diffSchemaAgainstMigrations, MIGRATIONS_DIR } from "../src/db/migrations.ts";

const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error("usage: npm run db:new -- NAME   (NAME in lower_snake_case, e.g. add_dunning_steps)");
  process.exit(2);
}
const sql = await diffSchemaAgainstMigrations();
if (!sql) {
  console.log("prisma/schema.prisma and prisma/migrations already agree: no migration written.");
  process.exit(0);
}
const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
const dir = join(MIGRATIONS_DIR, `${stamp}_${name}`);
await mkdir(dir, { recursive: true });
await writeFile(join(dir, "migration.sql"), `${sql}\n`);
console.log(`wrote ${join(dir, "migration.sql")}`);
