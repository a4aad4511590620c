import { Option, type Command } from "commander";
import { stringify } from "csv-stringify/sync";
import { canonicalJson, eventsPage, verifyAudit } from "../db/audit.ts";
import type { DatabaseHandle } from "../db/database.ts";
import { CliFailure, instant, lineWriter, withDatabase, type CliIo } from "./shared.ts";

// `offboard audit export` and `offboard audit verify`: the append-only trail, out and checked.

export function addAuditCommands(program: Command, io: CliIo): void {
  const out = lineWriter(io);
  const audit = program.command("audit").description("the audit trail");
  audit
    .command("export")
    .description("write audit events to standard output, oldest first")
    .addOption(new Option("--format <format>", "csv or jsonl").choices(["csv", "jsonl"]).makeOptionMandatory())
    .option("--from <instant>", "only events at or after this ISO 8601 date or date-time (dates are UTC midnight)")
    .option("--to <instant>", "only events before this ISO 8601 date or date-time")
    .action(async (options: { format: "csv" | "jsonl"; from?: string; to?: string }) => {
      const from = options.from === undefined ? undefined : instant("--from", options.from);
      const to = options.to === undefined ? undefined : instant("--to", options.to);
      if (from && to && from >= to) throw new CliFailure("--from must be before --to", 2);
      await withDatabase(io, { migrate: true }, (db) => exportAudit(db, options.format, { from, to }, io));
    });
  audit
    .command("verify")
    .description("recompute the audit trail's hash chain; fails if any event was changed, removed or inserted")
    .action(() =>
      withDatabase(io, { migrate: true }, async (db) => {
        const result = await verifyAudit(db.prisma);
        if (!result.ok) throw new CliFailure(`audit trail broken at event ${result.seq}: ${result.problem} (${result.events} events before it verify)`);
        out(`audit trail verified: ${result.events} event(s), chain intact up to event ${result.lastSeq}`);
      }),
    );
}

const EXPORT_COLUMNS = ["seq", "at", "actor", "action", "request_id", "client_id", "data", "prev_hash", "hash"];

async function exportAudit(db: DatabaseHandle, format: "csv" | "jsonl", range: { from?: Date; to?: Date }, io: CliIo): Promise<void> {
  if (format === "csv") io.stdout.write(stringify([EXPORT_COLUMNS]));
  let after = 0n;
  for (;;) {
    const page = await eventsPage(db.prisma, after, range, 1000);
    if (page.length === 0) return;
    const rows = page.map((e) => ({
      seq: Number(e.seq),
      at: e.at.toISOString(),
      actor: e.actor,
      action: e.action,
      request_id: e.requestId,
      client_id: e.clientId,
      data: e.data,
      prev_hash: e.prevHash,
      hash: e.hash,
    }));
    io.stdout.write(
      format === "jsonl"
        ? rows.map((r) => `${canonicalJson(r)}\n`).join("")
        : stringify(rows.map((r) => [r.seq, r.at, r.actor, r.action, r.request_id ?? "", r.client_id ?? "", canonicalJson(r.data), r.prev_hash, r.hash])),
    );
    after = page.at(-1)!.seq;
  }
}
