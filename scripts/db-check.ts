// npm run db:check: fails when prisma/schema.prisma and prisma/migrations drift apart.
import { diffSchemaAgainstMigrations } from "../src/db/migrations.ts";

const sql = await diffSchemaAgainstMigrations();
if (sql) {
  console.error("prisma/schema.prisma has changes that no migration holds. Run `npm run db:new -- NAME`.\nMissing SQL:\n");
  console.error(sql);
  process.exit(1);
}
console.log("migrations match prisma/schema.prisma");
