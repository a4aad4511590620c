import { readFile } from "node:fs/promises";
import { userInfo } from "node:os";
import { basename, resolve } from "node:path";
import { Option, type Command } from "commander";
import { loadPolicyFile } from "../config/policy-file.ts";
import { createStore } from "../db/store.ts";
import { systemClock } from "../services/clock.ts";
import { CSV_ENCODINGS, decodeCsv, formatRowProblems, type CsvEncoding, type RowProblem } from "../services/csv-rows.ts";
import { importClients, importContacts, importEquipment, importInvoices, type ImportDeps, type ImportResult } from "../services/imports.ts";
import { CliFailure, environment, lineWriter, withDatabase, type CliIo } from "./shared.ts";

// `offboard clients import`, `contacts import`, `invoices import`, `equipment import`: CSV files into the built-in ledger.

const CONTACTS_HELP = [
  "",
  "Several contacts per client. Within its client a row updates the contact with the",
  "same email (without case), else the same phone, else the same name (without case",
  "or accents), the client's primary contact included (it stays primary); any other",
  "row adds a contact. Empty columns leave what a contact has. Re-importing a file",
  "changes nothing.",
  "  phone     E.164 once spaces, dashes and parentheses are removed:",
  "            +598 99 123 456 is stored +59899123456; 099 123 456 is refused",
  "  role      a lower_snake_case id (billing, owner, technical…); billing",
  "            contacts are written to first",
  "  language  en, es or pt; empty: the policy's",
  "The clients CSV's contact_name,contact_email,contact_phone stay the client's",
  "primary contact.",
].join("\n");

const IMPORTERS: [string, string, (deps: ImportDeps, file: string, csv: string) => Promise<ImportResult>, string?][] = [
  ["clients", "ref,name,contact_name,contact_email,contact_phone,third_party,hosted_database", importClients],
  ["contacts", "client_ref,name,email,phone,role,language", importContacts, CONTACTS_HELP],
  ["invoices", "client_ref,number,amount,currency,due_on,status", importInvoices],
  ["equipment", "client_ref,serial,description,status", importEquipment],
];

/** Adds the `clients`, `contacts`, `invoices` and `equipment` groups, each with its `import`; returns the groups by name. */
export function addImportCommands(program: Command, io: CliIo): Record<string, Command> {
  const out = lineWriter(io);
  const groups: Record<string, Command> = {};
  for (const [name, header, run, help] of IMPORTERS) {
    const group = program.command(name).description(`manage ${name} in the built-in ledger`);
    groups[name] = group;
    const command = group.command("import");
    if (help) command.addHelpText("after", help);
    command
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
          const result = await run({ store: createStore(db.prisma), clock: systemClock, actor: cliActor() }, basename(path), decoded.text);
          if (!result.ok) throw refused(result.problems);
          out(`imported ${path}: ${result.created} created, ${result.updated} updated`);
        });
      });
  }
  return groups;
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

function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return "cli";
  }
}
