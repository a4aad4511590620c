import type { Command } from "commander";
import { applyMigrations } from "../db/migrations.ts";
import { lineWriter, withDatabase, type CliIo } from "./shared.ts";

// `offboard migrate`: pending migrations, applied on their own.

export function addMigrateCommand(program: Command, io: CliIo): void {
  const out = lineWriter(io);
  program
    .command("migrate")
    .description("apply pending database migrations (the embedded database under ./data/, or DATABASE_URL)")
    .action(() =>
      withDatabase(io, { migrate: false }, async (db) => {
        const applied = await applyMigrations(db);
        out(applied.length ? `applied ${applied.length} migration(s): ${applied.join(", ")}` : "the database is up to date");
      }),
    );
}
