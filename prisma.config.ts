import { defineConfig } from "prisma/config";

// Prisma's native schema engine cannot be downloaded on our machines; `generate`
// does not need it, so any executable satisfies the CLI. Migrations run through
// the WASM engine in src/db/migrations.ts instead.
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= "/bin/false";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
});
