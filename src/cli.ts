import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { userInfo } from "node:os";
import { basename, resolve } from "node:path";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { stringify } from "csv-stringify/sync";
import { z } from "zod";
import { databaseTarget, loadEnv, type Env } from "./config/env.ts";
import { describePolicyFailure, formatProblems, loadPolicyFile } from "./config/policy-file.ts";
import { canonicalJson, verifyAudit } from "./db/audit.ts";
import { computeTimeline, startOfLocalDay } from "./domain/calendar.ts";
import { labelFor } from "./domain/policy.ts";
import { checkDatabase, DatabaseUnavailableError, DataDirLockedError, openDatabase, type DatabaseHandle } from "./db/database.ts";
import { applyMigrations } from "./db/migrations.ts";
import { startBot, StartupError } from "./main.ts";
import { startSandbox } from "./sandbox/index.ts";
import { redact, secretsOf } from "./logging/redacting-logger.ts";
import { systemClock } from "./services/clock.ts";
import { CSV_ENCODINGS, decodeCsv, formatRowProblems, type CsvEncoding, type RowProblem } from "./services/csv-rows.ts";
import { importClients, importEquipment, importInvoices, type ImportDeps, type ImportResult } from "./services/imports.ts";
import { MIN_SECRET_LENGTH } from "./connectors/http.ts";
import { addClientViews } from "./cli/clients.ts";
import { addConnectorCommands } from "./cli/connector-check.ts";

export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** A refusal with a one-line reason (more lines may follow) and an exit code. */
class CliFailure extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help asked for and the version are successes; everything commander refuses is a usage error,
      // and so is no command at all (commander then prints the usage to stderr with a non-zero code).
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return 0;
      return error.code === "commander.help" && error.exitCode === 0 ? 0 : 2;
    }
    // Whatever failed, its message may quote a URL or a header: secrets are removed first.
    const secrets = secretsOf(io.env);
    if (error instanceof CliFailure) {
      io.stderr.write(`offboard: ${redact(error.message, secrets)}\n`);
      return error.exitCode;
    }
    io.stderr.write(`offboard: ${redact(error instanceof Error ? error.message : String(error), secrets)}\n`);
    return 1;
  }
}

/** package.json's version: next to src/ when run from source, next to dist/ when built. */
function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;
}

function buildProgram(io: CliIo): Command {
  const program = new Command("offboard")
    .description("Runs customer deactivations by the book. See README.md.")
    .version(packageVersion(), "-V, --version", "print the version")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError("(run `offboard --help` for usage)");
  const out = (line: string) => io.stdout.write(`${line}\n`);

  program
    .command("start")
    .description("run the Slack bot (applies pending migrations first); with no Slack settings, the sandbox; stops cleanly on SIGTERM or Ctrl-C")
    .action(async () => {
      const env = environment(io);
      if (!env.SLACK_BOT_TOKEN && !env.SLACK_SIGNING_SECRET && !env.SLACK_APP_TOKEN && io.env.NODE_ENV !== "production") {
        return runUntilSignalled(out, () => startSandbox({ cwd: io.cwd, port: env.PORT, env: io.env, log: out }), (sandbox) => out(sandboxBanner(sandbox.url)));
      }
      return runUntilSignalled(out, () => startBot(env, io.cwd, out, io.env));
    });

  program
    .command("sandbox")
    .description("a local Slack workspace in the browser, with a clock, to rehearse a policy (127.0.0.1 only; its own database under ./data/sandbox/)")
    .addOption(new Option("--port <port>", "the page's port").argParser(portNumber).default(3000))
    .option("--policy <file>", "the policy to rehearse (default: ./offboard.policy.yml when present, else offboard.policy.example.yml)")
    .option("--reset", "start from an empty sandbox database (demo clients loaded again)")
    .action(async (options: { port: number; policy?: string; reset?: boolean }) => {
      if (io.env.NODE_ENV === "production") throw new CliFailure("the sandbox does not run with NODE_ENV=production: it is for rehearsals, on 127.0.0.1 only", 2);
      return runUntilSignalled(
        out,
        () => startSandbox({ cwd: io.cwd, port: options.port, env: io.env, log: out, ...(options.policy ? { policy: options.policy } : {}), ...(options.reset ? { reset: true } : {}) }),
        (sandbox) => out(sandboxBanner(sandbox.url)),
      );
    });

  program
    .command("migrate")
    .description("apply pending database migrations (the embedded database under ./data/, or DATABASE_URL)")
    .action(() =>
      withDatabase(io, { migrate: false }, async (db) => {
        const applied = await applyMigrations(db);
        out(applied.length ? `applied ${applied.length} migration(s): ${applied.join(", ")}` : "the database is up to date");
      }),
    );

  const policy = program.command("policy").description("check the policy file");
  policy
    .command("check")
    .description("validate a policy file; lists every problem with its key path and line")
    .argument("[file]", "the policy file (default: OFFBOARD_POLICY or ./offboard.policy.yml)")
    .action(async (file: string | undefined) => {
      const path = resolve(io.cwd, file ?? environment(io).OFFBOARD_POLICY);
      const load = await loadPolicyFile(path);
      if (!load.ok) throw new CliFailure(describePolicyFailure(path, load));
      const kinds = Object.keys(load.policy.kinds);
      out(`${path}: valid — ${kinds.length} kind(s): ${kinds.join(", ")}; time zone ${load.policy.timezone}; language ${load.policy.language}`);
      // A warning, not a problem: the file may be checked on another machine than the one that runs the bot.
      const sor = load.policy.systemOfRecord;
      if (sor.type === "http") {
        const secret = io.env[sor.secretEnv];
        if (!secret) io.stderr.write(`offboard: warning: ${sor.secretEnv} is not set here; \`offboard start\` with this policy needs it (the shared secret for ${sor.baseUrl}, at least ${MIN_SECRET_LENGTH} characters)\n`);
        else if (secret.length < MIN_SECRET_LENGTH) io.stderr.write(`offboard: warning: ${sor.secretEnv} is shorter than ${MIN_SECRET_LENGTH} characters; \`offboard start\` with this policy refuses it\n`);
      }
    });

  policy
    .command("timeline")
    .description("print the dates a request of a kind made at an instant would get (in the policy's time zone)")
    .requiredOption("--kind <kind>", "a kind from the policy")
    .requiredOption("--requested-at <instant>", "ISO 8601 date-time (2026-08-09T10:00:00-03:00), or a date meaning its start in the policy's time zone")
    .option("--json", "print exactly one JSON object")
    .option("--policy <file>", "the policy file (default: OFFBOARD_POLICY or ./offboard.policy.yml)")
    .action(async (options: { kind: string; requestedAt: string; json?: boolean; policy?: string }) => {
      const path = resolve(io.cwd, options.policy ?? environment(io).OFFBOARD_POLICY);
      const load = await loadPolicyFile(path);
      if (!load.ok) throw new CliFailure(load.failure === "invalid" ? `${path}: invalid policy, run \`offboard policy check\`\n${formatProblems(path, load.problems)}` : describePolicyFailure(path, load));
      const policy = load.policy;
      const kind = policy.kinds[options.kind];
      if (!kind) throw new CliFailure(`no kind "${options.kind}" in ${path} (kinds: ${Object.keys(policy.kinds).join(", ")})`, 2);
      const at = instantIn("--requested-at", options.requestedAt, policy.timezone);
      const timeline = computeTimeline(kind.calendar, kind.dunning, policy.timezone, at);
      const dunning = kind.dunning.map((step, i) => ({ id: step.id, label: labelFor(step.label, policy.language), dueOn: timeline.dunning[i]!.dueOn }));
      if (options.json) {
        out(
          JSON.stringify({
            kind: kind.id,
            requestedOn: timeline.requestedOn,
            lastBilledMonth: timeline.lastBilledMonth,
            serviceEndsOn: timeline.serviceEndsOn,
            dataDeletedOn: timeline.dataDeletedOn,
            reactivableUntil: timeline.reactivableUntil,
            dunning,
          }),
        );
        return;
      }
      const rows: [string, string][] = [
        ["kind", `${kind.id} (${labelFor(kind.label, policy.language)})`],
        ["time zone", policy.timezone],
        ["requested on", timeline.requestedOn],
        ["last billed month", timeline.lastBilledMonth ?? "not applicable (no notice rule)"],
        ["service ends on", timeline.serviceEndsOn],
        ["data deleted on", timeline.dataDeletedOn ?? "never"],
        ["reactivable until", timeline.reactivableUntil ?? "no limit"],
      ];
      for (const [name, value] of rows) out(`${name.padEnd(18)} ${value}`);
      if (dunning.length) {
        out("dunning");
        for (const step of dunning) out(`  ${step.dueOn}  ${step.id}  ${step.label}`);
      }
    });

  const importers: [string, string, (deps: ImportDeps, file: string, csv: string) => Promise<ImportResult>][] = [
    ["clients", "ref,name,contact_name,contact_email,contact_phone,third_party,hosted_database", importClients],
    ["invoices", "client_ref,number,amount,currency,due_on,status", importInvoices],
    ["equipment", "client_ref,serial,description,status", importEquipment],
  ];
  for (const [name, header, run] of importers) {
    program
      .command(name)
      .description(`manage ${name} in the built-in ledger`)
      .command("import")
      .description(`create or update ${name} from a CSV file with the header ${header}; a file with any bad row imports nothing`)
      .argument("<file>", "the CSV file")
      .addOption(new Option("--encoding <encoding>", "how the file is encoded: utf8, or latin1 for files older spreadsheets saved as Latin-1/Windows-1252").choices(CSV_ENCODINGS).default("utf8"))
      .action(async (file: string, options: { encoding: CsvEncoding }) => {
        await refuseUnlessLedger(io, name);
        const path = resolve(io.cwd, file);
        const bytes = await readFile(path).catch((error: NodeJS.ErrnoException) => {
          throw new CliFailure(error.code === "ENOENT" ? `no file at ${path}` : `cannot read ${path}: ${error.message}`);
        });
        const refused = (problems: RowProblem[]) =>
          new CliFailure(`${path}: nothing imported, ${problems.length} problem${problems.length > 1 ? "s" : ""}\n${formatRowProblems(path, problems)}`);
        // Bytes to text before the database opens: a file that is not text, or not in its encoding, is refused at once.
        const decoded = decodeCsv(bytes, options.encoding);
        if (!decoded.ok) throw refused([decoded.problem]);
        await withDatabase(io, { migrate: true }, async (db) => {
          const result = await run({ db: db.prisma, clock: systemClock, actor: cliActor() }, basename(path), decoded.text);
          if (!result.ok) throw refused(result.problems);
          out(`imported ${path}: ${result.created} created, ${result.updated} updated`);
        });
      });
  }
  // `clients list` and `clients show` (src/cli/clients.ts) join `clients import` in its group.
  addClientViews(program.commands.find((c) => c.name() === "clients")!, io, { environment: () => environment(io), failure: (message, exitCode) => new CliFailure(message, exitCode) });

  addConnectorCommands(program, io, { environment: () => environment(io), failure: (message, exitCode) => new CliFailure(message, exitCode) });

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

  return program;
}

/**
 * Imports fill the built-in ledger: with another system of record in the policy
 * nothing would read what they write, so they refuse. No policy file means the
 * default, the ledger; a policy that does not load cannot tell, so they refuse too.
 */
async function refuseUnlessLedger(io: CliIo, what: string): Promise<void> {
  const path = resolve(io.cwd, environment(io).OFFBOARD_POLICY);
  const load = await loadPolicyFile(path);
  if (!load.ok) {
    if (load.failure === "not_found") return;
    throw new CliFailure(`nothing imported: ${path} does not load, so where ${what} live is unknown (run \`offboard policy check\`)`);
  }
  const sor = load.policy.systemOfRecord;
  if (sor.type !== "ledger") {
    throw new CliFailure(`nothing imported: ${path} keeps ${what} in the system of record at ${sor.baseUrl}, not in the built-in ledger imports fill; add them there`);
  }
}

/** Starts something that runs until SIGTERM or SIGINT, then stops it gracefully. */
async function runUntilSignalled<T extends { stop(): Promise<void> }>(out: (line: string) => void, start: () => Promise<T>, started?: (running: T) => void): Promise<void> {
  let running: T;
  try {
    running = await start();
  } catch (error) {
    if (error instanceof StartupError) throw new CliFailure(error.message, error.exitCode);
    throw error;
  }
  started?.(running);
  await new Promise<void>((done) => {
    // A signal often arrives twice (to npm and to this process, or from the parent watch in bin/):
    // the first starts the stop, the others are ignored rather than killing the process mid-stop.
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      out(`${signal}: finishing work in progress, then stopping`);
      void running.stop().then(done);
    };
    process.on("SIGTERM", () => stop("SIGTERM"));
    process.on("SIGINT", () => stop("SIGINT"));
  });
  out("stopped");
}

function sandboxBanner(url: string): string {
  return `Offboard sandbox (no Slack workspace): open ${url}`;
}

function portNumber(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65535) throw new InvalidArgumentError("a port number from 1 to 65535");
  return port;
}

function environment(io: CliIo): Env {
  const load = loadEnv(io.env);
  if (!load.ok) throw new CliFailure(`bad environment: ${load.problems.join("; ")}`, 2);
  return load.env;
}

/** Opens the database the environment names (applying pending migrations unless told not to), runs `work`, closes it. */
async function withDatabase<T>(io: CliIo, options: { migrate: boolean }, work: (db: DatabaseHandle) => Promise<T>): Promise<T> {
  const env = environment(io);
  let db: DatabaseHandle;
  try {
    const target = databaseTarget(env, io.cwd);
    db = await openDatabase(target);
    try {
      await checkDatabase(db, target);
    } catch (error) {
      await db.close();
      throw error;
    }
  } catch (error) {
    if (error instanceof DataDirLockedError || error instanceof DatabaseUnavailableError) throw new CliFailure(error.message);
    throw new CliFailure(`cannot open the database: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    if (options.migrate) await applyMigrations(db);
    return await work(db);
  } finally {
    await db.close();
  }
}

const instantSchema = z.union([z.iso.datetime({ offset: true }), z.iso.date()]);

/** An ISO date-time, or a bare date meaning the start of that day in `timezone`. */
function instantIn(flag: string, value: string, timezone: string): Date {
  if (z.iso.date().safeParse(value).success) return startOfLocalDay(value, timezone);
  if (!z.iso.datetime({ offset: true }).safeParse(value).success) {
    throw new CliFailure(`${flag} "${value}" is not an ISO 8601 date-time (2026-08-09T10:00:00-03:00) or date (2026-08-09)`, 2);
  }
  return new Date(value);
}

function instant(flag: string, value: string): Date {
  if (!instantSchema.safeParse(value).success) {
    throw new CliFailure(`${flag} "${value}" is not an ISO 8601 date (2026-08-01) or date-time (2026-08-01T09:00:00-03:00)`, 2);
  }
  return new Date(value.length === 10 ? `${value}T00:00:00Z` : value);
}

const EXPORT_COLUMNS = ["seq", "at", "actor", "action", "request_id", "client_id", "data", "prev_hash", "hash"];

async function exportAudit(db: DatabaseHandle, format: "csv" | "jsonl", range: { from?: Date; to?: Date }, io: CliIo): Promise<void> {
  if (format === "csv") io.stdout.write(stringify([EXPORT_COLUMNS]));
  let after = 0n;
  for (;;) {
    const page = await db.prisma.auditEvent.findMany({
      where: { seq: { gt: after }, at: { ...(range.from ? { gte: range.from } : {}), ...(range.to ? { lt: range.to } : {}) } },
      orderBy: { seq: "asc" },
      take: 1000,
    });
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

function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return "cli";
  }
}
