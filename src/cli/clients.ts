import { resolve } from "node:path";
import { TZDate } from "@date-fns/tz";
import { Command, Option } from "commander";
import { stringify } from "csv-stringify/sync";
import { format } from "date-fns";
import type { Env } from "../config/env.ts";
import { databaseTarget } from "../config/env.ts";
import { loadPolicyFile } from "../config/policy-file.ts";
import { Ledger } from "../connectors/ledger.ts";
import { closestRefs, countClients, findClientFile, listClients, type ClientFile, type ClientInList } from "../db/clients.ts";
import { checkDatabase, DatabaseUnavailableError, DataDirLockedError, describeDatabaseFailure, openDatabase, type DatabaseHandle } from "../db/database.ts";
import { isE164 } from "../domain/contacts.ts";
import { formatMinor } from "../domain/money.ts";
import { searchKey } from "../domain/text.ts";

// `offboard clients list` and `offboard clients show`: the data, without Slack or SQL.

export interface ClientViewsIo {
  stdout: { write(text: string): unknown };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** What the command line around these commands provides: its environment check and its one-line refusals. */
export interface ClientViewsDeps {
  environment(): Env;
  /** An error the command line prints as one line (`offboard: …`) and exits with `exitCode` (1 unless said). */
  failure(message: string, exitCode?: number): Error;
}

const AFTER_HELP = [
  "",
  "Times are in the policy's time zone when the policy file (OFFBOARD_POLICY or",
  "./offboard.policy.yml) can be read, otherwise in UTC: 2026-08-31 23:59 -03:00 for",
  "people; in csv and json ISO 8601 with the offset (2026-08-31T23:59:00.000-03:00,",
  "or ...Z in UTC). Dates without a time (due on, requested on) are YYYY-MM-DD.",
  "",
  "Reads only. Works on the embedded database while the bot is stopped (it allows",
  "one process at a time), and on PostgreSQL (DATABASE_URL) while the bot runs.",
].join("\n");

/** Adds `list` and `show` to the `clients` command group. */
export function addClientViews(clients: Command, io: ClientViewsIo, deps: ClientViewsDeps): void {
  const out = (text: string) => io.stdout.write(text);

  clients
    .command("list")
    .description("list clients with their status, who inactivated them and when, and their open request")
    .option("--inactive", "only inactive clients")
    .option("--search <text>", "only clients whose ref is <text> or whose name contains it, without case or accents (as /deactivate searches)")
    .addOption(new Option("--format <format>", "table (aligned, for people), csv (with a header row) or json (one array)").choices(["table", "csv", "json"]).default("table"))
    .addHelpText("after", AFTER_HELP)
    .action(async (options: { inactive?: boolean; search?: string; format: "table" | "csv" | "json" }) => {
      if (options.search !== undefined && !searchKey(options.search)) throw deps.failure("--search needs at least one letter or digit", 2);
      const times = await timesFor(io, deps);
      const clients = await lookAt(io, deps, async (db) => {
        if (options.search === undefined) return listClients(db.prisma, { inactiveOnly: options.inactive === true });
        // The bot's own search (ref exactly, or name containing the text, best matches first), over every client.
        const found = await new Ledger(db.prisma).findClients(options.search, Math.max(1, await countClients(db.prisma)));
        return listClients(db.prisma, { inactiveOnly: options.inactive === true, ids: found.map((c) => c.id) });
      });
      const rows = clients.map((c) => listRow(c, times));
      if (options.format === "json") return void out(`${JSON.stringify(rows)}\n`);
      if (options.format === "csv") return void out(stringify(rows, { header: true, columns: [...LIST_COLUMNS] }));
      if (rows.length === 0) {
        const what = options.inactive ? "no inactive clients" : "no clients";
        return void out(`${options.search === undefined ? what : `${what} match "${printable(options.search)}"`}\n`);
      }
      out(
        table(
          ["ref", "name", "status", "inactivated at", "inactivated by", "open request"],
          clients.map((c) => [c.ref, c.name, c.status, shown(c.inactivatedAt, times), c.inactivatedBy ?? "", c.openRequest ? `#${c.openRequest.number} ${c.openRequest.state}` : ""]),
        ),
      );
      out(`${rows.length} client${rows.length === 1 ? "" : "s"}; times in ${times.zone}\n`);
    });

  clients
    .command("show")
    .description(
      "everything about one client: facts, contacts, open invoices, equipment out, subscriptions, login records, requests and the client's audit events",
    )
    .argument("<ref>", "the client's ref, without case or accents (acme-01 finds ÁCME-01)")
    .addOption(new Option("--format <format>", "text (for people) or json (one object)").choices(["text", "json"]).default("text"))
    .addHelpText("after", AFTER_HELP)
    .action(async (ref: string, options: { format: "text" | "json" }) => {
      const times = await timesFor(io, deps);
      const file = await lookAt(io, deps, async (db) => {
        const found = await findClientFile(db.prisma, ref);
        if (found) return found;
        const closest = await closestRefs(db.prisma, ref);
        throw deps.failure(`no client with ref ${printable(ref)} (closest: ${closest.length ? closest.join(", ") : "none, no client is named anything like it"})`);
      });
      out(options.format === "json" ? `${JSON.stringify(clientJson(file, times))}\n` : clientText(file, times));
    });
}

// ---------------------------------------------------------------- the database

/**
 * Opens the database the environment names to read it; never migrates (a look
 * changes nothing). The embedded database allows one process at a time.
 */
async function lookAt<T>(io: ClientViewsIo, deps: ClientViewsDeps, work: (db: DatabaseHandle) => Promise<T>): Promise<T> {
  const target = databaseTarget(deps.environment(), io.cwd);
  let db: DatabaseHandle;
  try {
    db = await openDatabase(target);
  } catch (error) {
    if (error instanceof DataDirLockedError) {
      const where = target.kind === "embedded" ? ` (${target.dataDir})` : "";
      throw deps.failure(`the bot is running on this embedded database${where}: stop it, or use PostgreSQL (DATABASE_URL) to look while it runs`);
    }
    throw deps.failure(describeDatabaseFailure(error, target));
  }
  try {
    // A wrong address, name or password is one plain line, as for every other command.
    await checkDatabase(db, target);
  } catch (error) {
    await db.close().catch(() => {});
    throw deps.failure(error instanceof DatabaseUnavailableError ? error.message : describeDatabaseFailure(error, target));
  }
  try {
    return await work(db);
  } catch (error) {
    // P2021: no such table, P2022: no such column — a database never migrated, or migrated by an older version.
    const code = (error as { code?: unknown } | null)?.code;
    if (code === "P2021" || code === "P2022") throw deps.failure("this database has no Offboard tables yet, or older ones: run `offboard migrate` (or start the bot once)");
    throw error;
  } finally {
    await db.close();
  }
}

// ---------------------------------------------------------------- times

interface Times {
  zone: string;
}

/** The policy's time zone when its file can be read, else UTC. */
async function timesFor(io: ClientViewsIo, deps: ClientViewsDeps): Promise<Times> {
  const load = await loadPolicyFile(resolve(io.cwd, deps.environment().OFFBOARD_POLICY));
  return { zone: load.ok ? load.policy.timezone : "UTC" };
}

/** For people: 2026-08-31 23:59 -03:00. */
function shown(at: Date | null, times: Times): string {
  return at ? format(new TZDate(at, times.zone), "yyyy-MM-dd HH:mm xxx") : "";
}

/** For csv and json: ISO 8601 with the zone's offset (Z in UTC), or null. */
function iso(at: Date | null, times: Times): string | null {
  return at ? format(new TZDate(at, times.zone), "yyyy-MM-dd'T'HH:mm:ss.SSSXXX") : null;
}

// ---------------------------------------------------------------- list

const LIST_COLUMNS = ["ref", "name", "status", "inactivated_at", "inactivated_by", "open_request", "open_request_state"] as const;

/** The same keys, in the same order, for csv columns and json objects. */
function listRow(c: ClientInList, times: Times): Record<(typeof LIST_COLUMNS)[number], string | number | null> {
  return {
    ref: c.ref,
    name: c.name,
    status: c.status,
    inactivated_at: iso(c.inactivatedAt, times),
    inactivated_by: c.inactivatedBy,
    open_request: c.openRequest?.number ?? null,
    open_request_state: c.openRequest?.state ?? null,
  };
}

// ---------------------------------------------------------------- show

function clientJson(file: ClientFile, times: Times) {
  const c = file.client;
  return {
    time_zone: times.zone,
    client: {
      ref: c.ref,
      name: c.name,
      status: c.status,
      third_party: c.thirdParty,
      hosted_database: c.hostedDatabase,
      inactivated_at: iso(c.inactivatedAt, times),
      inactivated_by: c.inactivatedBy,
      inactivation_reason: c.inactivationReason,
      reactivated_at: iso(c.reactivatedAt, times),
      reactivated_by: c.reactivatedBy,
      data_deleted_at: iso(c.dataDeletedAt, times),
    },
    contacts: file.contacts.map((p) => ({ name: p.name, email: p.email, phone: p.phone, role: p.role, language: p.language, primary: p.isPrimary, active: p.active })),
    open_invoices: file.openInvoices.map((i) => ({
      number: i.number,
      amount: formatMinor(i.amountMinor, i.currency),
      currency: i.currency,
      due_on: i.dueOn,
      on_hold: i.onHold,
      held_at: iso(i.heldAt, times),
      sent_to_collections_at: iso(i.sentToCollectionsAt, times),
    })),
    equipment_out: file.equipmentOut.map((e) => ({ serial: e.serial, description: e.description })),
    subscriptions: file.subscriptions.map((s) => ({ plan: s.plan, status: s.status, cancelled_at: iso(s.cancelledAt, times), cancelled_by: s.cancelledBy })),
    login_records: file.loginRecords.map((l) => ({ login: l.login, recorded_at: iso(l.createdAt, times) })),
    requests: file.requests.map((r) => ({
      number: r.number,
      kind: r.kind,
      state: r.state,
      requested_on: r.requestedOn,
      opened_at: iso(r.requestedAt, times),
      opened_by: r.requestedBy,
      executed_at: iso(r.executedAt, times),
      executed_by: r.executedBy,
      closed_at: iso(r.closedAt, times),
      closed_by: r.closedBy,
      close_reason: r.closeReason,
    })),
    audit_events: file.auditEvents.map((e) => ({ seq: Number(e.seq), at: iso(e.at, times), actor: e.actor, action: e.action, request_number: e.requestNumber })),
  };
}

function clientText(file: ClientFile, times: Times): string {
  const c = file.client;
  const yesNo = (v: boolean) => (v ? "yes" : "no");
  const facts: [string, string][] = [
    ["name", c.name],
    ["ref", c.ref],
    ["status", c.status],
    ["third party", yesNo(c.thirdParty)],
    ["hosted database", yesNo(c.hostedDatabase)],
    ["inactivated at", shown(c.inactivatedAt, times)],
    ["inactivated by", c.inactivatedBy ?? ""],
    ["inactivation reason", c.inactivationReason ?? ""],
    ["reactivated at", shown(c.reactivatedAt, times)],
    ["reactivated by", c.reactivatedBy ?? ""],
    ["data deleted at", shown(c.dataDeletedAt, times)],
    ["times in", times.zone],
  ];
  const width = Math.max(...facts.map(([k]) => k.length));
  const parts = [`${printable(c.name)} (${printable(c.ref)})\n${facts.map(([k, v]) => `  ${k.padEnd(width)}  ${v ? printable(v) : "—"}`).join("\n")}\n`];
  const section = (title: string, headers: string[], rows: string[][]) =>
    parts.push(`\n${title} (${rows.length})\n${rows.length ? indent(table(headers, rows)) : "  none\n"}`);
  section(
    "contacts",
    ["name", "email", "phone", "role", "language", ""],
    file.contacts.map((p) => [
      p.name,
      p.email ?? "",
      p.phone ?? "",
      p.role ?? "",
      p.language ?? "",
      [p.isPrimary ? "primary" : "", p.active ? "" : "inactive", p.phone && !isE164(p.phone) ? "phone not E.164, not used: import it again" : ""].filter(Boolean).join(", "),
    ]),
  );
  section(
    "open invoices",
    ["number", "amount", "due on", "on hold", "sent to collections"],
    file.openInvoices.map((i) => [i.number, `${formatMinor(i.amountMinor, i.currency)} ${i.currency}`, i.dueOn, i.onHold ? `yes, ${shown(i.heldAt, times)}` : "no", i.sentToCollectionsAt ? shown(i.sentToCollectionsAt, times) : "no"]),
  );
  section("equipment out", ["serial", "description"], file.equipmentOut.map((e) => [e.serial, e.description]));
  section(
    "subscriptions",
    ["plan", "status", "cancelled at", "cancelled by"],
    file.subscriptions.map((s) => [s.plan, s.status, shown(s.cancelledAt, times), s.cancelledBy ?? ""]),
  );
  section("login records", ["login", "recorded at"], file.loginRecords.map((l) => [l.login, shown(l.createdAt, times)]));
  section(
    "requests",
    ["number", "kind", "state", "opened", "by", "executed/closed", "by"],
    file.requests.map((r) => [
      `#${r.number}`,
      r.kind,
      r.state,
      shown(r.requestedAt, times),
      r.requestedBy,
      shown(r.executedAt ?? r.closedAt, times),
      r.executedBy ?? r.closedBy ?? "",
    ]),
  );
  section(
    "audit events",
    ["time", "actor", "action", "request"],
    file.auditEvents.map((e) => [shown(e.at, times), e.actor, e.action, e.requestNumber === null ? "" : `#${e.requestNumber}`]),
  );
  return parts.join("");
}

// ---------------------------------------------------------------- text layout

/** Control characters (a newline in an imported name) would break the layout: shown as spaces. */
function printable(text: string): string {
  return text.replace(/\p{Cc}/gu, " ");
}

/** Width in terminal columns, near enough: code points, combining marks not counted. */
function width(text: string): number {
  return [...text.replace(/\p{M}/gu, "")].length;
}

/** Columns aligned on their widest cell, two spaces apart, no trailing spaces. */
function table(headers: string[], rows: string[][]): string {
  const cells = [headers, ...rows].map((row) => row.map(printable));
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => width(row[i] ?? ""))));
  return cells.map((row) => row.map((cell, i) => cell + " ".repeat(widths[i]! - width(cell))).join("  ").trimEnd() + "\n").join("");
}

function indent(text: string): string {
  return text.replace(/^(?=.)/gm, "  ");
}
