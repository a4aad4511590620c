import { isMatch } from "date-fns";
import { z } from "zod";
import { appendAudit } from "../db/audit.ts";
import type { Db, Tx } from "../db/database.ts";
import { isCurrency, parseAmount } from "../domain/money.ts";
import { searchKey } from "../domain/text.ts";
import { readCsv, type CsvRow, type RowProblem } from "./csv-rows.ts";
import type { Clock } from "./clock.ts";

export type ImportResult = { ok: true; created: number; updated: number } | { ok: false; problems: RowProblem[] };

export interface ImportDeps {
  db: Db;
  clock: Clock;
  /** Who runs the import, for the audit trail (`cli:<user>`). */
  actor: string;
}

// ---------------------------------------------------------------- field rules

const text = (max: number) => z.string().max(max, `at most ${max} characters`);
const required = (max: number) => text(max).min(1, { error: "must not be empty", abort: true });
const ref = required(64).regex(/^[\p{L}\p{N}][\p{L}\p{N} ._/-]*$/u, "letters, digits, spaces and . _ / - only, starting with a letter or digit");
const optionalText = (max: number) => text(max).transform((v) => (v === "" ? null : v));
const yesNo = z
  .string()
  .transform((v) => v.toLowerCase())
  .pipe(z.enum(["", "yes", "no", "true", "false", "1", "0", "y", "n", "si", "sí", "sim", "não", "nao"], "yes or no (also true/false, 1/0, sí/no, sim/não)"))
  .transform((v) => ["yes", "true", "1", "y", "si", "sí", "sim"].includes(v));
const isoDate = z.string().refine((v) => /^\d{4}-\d{2}-\d{2}$/.test(v) && isMatch(v, "yyyy-MM-dd"), "a date as YYYY-MM-DD");
const enumOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.string().transform((v) => v.toLowerCase()).pipe(z.enum(values, `one of ${values.join(", ")}`));

// ---------------------------------------------------------------- clients

export const CLIENT_COLUMNS = ["ref", "name", "contact_name", "contact_email", "contact_phone", "third_party", "hosted_database"] as const;

const clientRow = z.object({
  ref,
  name: required(200),
  contact_name: optionalText(200),
  contact_email: optionalText(254).pipe(z.email("an email address").nullable()),
  contact_phone: optionalText(40).pipe(z.string().regex(/^\+?[0-9 ()./-]{4,}$/, "a phone number: digits, spaces, + ( ) . / -").nullable()),
  third_party: yesNo,
  hosted_database: yesNo,
});
type ClientRow = z.infer<typeof clientRow>;

export async function importClients(deps: ImportDeps, file: string, csv: string): Promise<ImportResult> {
  const read = readCsv(csv, CLIENT_COLUMNS, clientRow);
  if (read.fatal) return { ok: false, problems: read.problems };
  const problems = [...read.problems, ...duplicates(read.rows, (r) => searchKey(r.ref), "ref", "ref")];
  const existing = await deps.db.client.findMany({
    where: { refKey: { in: read.rows.map((r) => searchKey(r.value.ref)) } },
    select: { id: true, ref: true, refKey: true },
  });
  const byKey = new Map(existing.map((c) => [c.refKey, c]));
  for (const { line, value } of read.rows) {
    const other = byKey.get(searchKey(value.ref));
    if (other && other.ref !== value.ref) {
      problems.push({ line, column: "ref", message: `"${value.ref}" is too close to the existing ref "${other.ref}" (refs match without case and accents)` });
    }
  }
  if (problems.length) return { ok: false, problems: sorted(problems) };

  return inImport(deps, "clients.imported", file, async (tx) => {
    let created = 0;
    for (const { value } of read.rows) {
      const current = byKey.get(searchKey(value.ref));
      const facts = { name: value.name, nameKey: searchKey(value.name), thirdParty: value.third_party, hostedDatabase: value.hosted_database };
      const client = current
        ? await tx.client.update({ where: { id: current.id }, data: facts, select: { id: true } })
        : await tx.client.create({ data: { ref: value.ref, refKey: searchKey(value.ref), ...facts }, select: { id: true } });
      if (!current) created += 1;
      await upsertPrimaryContact(tx, client.id, value);
    }
    return { created, updated: read.rows.length - created };
  });
}

/** Empty contact columns leave an existing contact as it is: imports never erase. */
async function upsertPrimaryContact(tx: Tx, clientId: string, row: ClientRow): Promise<void> {
  if (!row.contact_name && !row.contact_email && !row.contact_phone) return;
  const data = {
    name: row.contact_name ?? row.contact_email ?? row.contact_phone!,
    ...(row.contact_email ? { email: row.contact_email } : {}),
    ...(row.contact_phone ? { phone: row.contact_phone } : {}),
  };
  const primary = await tx.contact.findFirst({ where: { clientId, isPrimary: true }, select: { id: true } });
  if (primary) await tx.contact.update({ where: { id: primary.id }, data });
  else await tx.contact.create({ data: { clientId, isPrimary: true, ...data } });
}

// ---------------------------------------------------------------- invoices

export const INVOICE_COLUMNS = ["client_ref", "number", "amount", "currency", "due_on", "status"] as const;

const invoiceRow = z
  .object({
    client_ref: ref,
    number: required(64),
    amount: required(40).regex(/^\d{1,15}([.,]\d+)?$/, "an amount: digits with an optional decimal point or comma, no thousands separators"),
    currency: z.string().transform((v) => v.toUpperCase()).refine(isCurrency, "an ISO 4217 currency code such as USD, UYU, BRL"),
    due_on: isoDate,
    status: enumOf(["open", "paid", "void", "credited"]),
  })
  .transform((row, ctx) => {
    const amount = parseAmount(row.amount, row.currency);
    if (!amount.ok) {
      ctx.addIssue({ code: "custom", path: ["amount"], message: amount.message });
      return z.NEVER;
    }
    return { ...row, amountMinor: amount.minor };
  });

export function importInvoices(deps: ImportDeps, file: string, csv: string): Promise<ImportResult> {
  return importClientRecords(deps, file, csv, {
    columns: INVOICE_COLUMNS,
    schema: invoiceRow,
    key: "number",
    action: "invoices.imported",
    upsert: async (tx, clientId, value) => {
      const where = { clientId_number: { clientId, number: value.number } };
      const data = { amountMinor: value.amountMinor, currency: value.currency, dueOn: new Date(`${value.due_on}T00:00:00Z`), status: value.status };
      const existed = await tx.invoice.findUnique({ where, select: { id: true } });
      await tx.invoice.upsert({ where, create: { clientId, number: value.number, ...data }, update: data });
      return !existed;
    },
  });
}

// ---------------------------------------------------------------- equipment

export const EQUIPMENT_COLUMNS = ["client_ref", "serial", "description", "status"] as const;

const equipmentRow = z.object({
  client_ref: ref,
  serial: required(100),
  description: required(500),
  status: enumOf(["out", "returned", "written_off"]),
});

export function importEquipment(deps: ImportDeps, file: string, csv: string): Promise<ImportResult> {
  return importClientRecords(deps, file, csv, {
    columns: EQUIPMENT_COLUMNS,
    schema: equipmentRow,
    key: "serial",
    action: "equipment.imported",
    upsert: async (tx, clientId, value) => {
      const where = { clientId_serial: { clientId, serial: value.serial } };
      const data = { description: value.description, status: value.status };
      const existed = await tx.equipmentLoan.findUnique({ where, select: { id: true } });
      await tx.equipmentLoan.upsert({ where, create: { clientId, serial: value.serial, ...data }, update: data });
      return !existed;
    },
  });
}

// ---------------------------------------------------------------- shared

interface ClientRecordImport<K extends string, T extends { client_ref: string } & Record<K, string>> {
  columns: readonly string[];
  schema: z.ZodType<T>;
  /** With client_ref, the column that identifies a row. */
  key: K;
  action: string;
  /** Creates or updates one row; true when it created. */
  upsert(tx: Tx, clientId: string, value: T): Promise<boolean>;
}

/** Rows that belong to a client (invoices, equipment), keyed by client_ref and one more column. */
async function importClientRecords<K extends string, T extends { client_ref: string } & Record<K, string>>(
  deps: ImportDeps,
  file: string,
  csv: string,
  spec: ClientRecordImport<K, T>,
): Promise<ImportResult> {
  const read = readCsv(csv, spec.columns, spec.schema);
  if (read.fatal) return { ok: false, problems: read.problems };
  const problems = [...read.problems, ...duplicates(read.rows, (r) => `${r.client_ref}\u0000${r[spec.key]}`, spec.key, `client_ref and ${spec.key}`)];
  const clients = await clientIdsFor(deps.db, read.raw, problems);
  if (problems.length) return { ok: false, problems: sorted(problems) };

  return inImport(deps, spec.action, file, async (tx) => {
    let created = 0;
    for (const { value } of read.rows) {
      if (await spec.upsert(tx, clients.get(value.client_ref)!, value)) created += 1;
    }
    return { created, updated: read.rows.length - created };
  });
}

/** Rows naming a client must name one that exists: every unknown ref, in any row, is a problem on its row. */
async function clientIdsFor(db: Db, rows: CsvRow<Record<string, string>>[], problems: RowProblem[]): Promise<Map<string, string>> {
  const refs = [...new Set(rows.map((r) => r.value.client_ref ?? "").filter((ref) => ref !== ""))];
  const found = await db.client.findMany({ where: { ref: { in: refs } }, select: { id: true, ref: true } });
  const ids = new Map(found.map((c) => [c.ref, c.id]));
  for (const { line, value } of rows) {
    if (value.client_ref && !ids.has(value.client_ref)) problems.push({ line, column: "client_ref", message: `no client with ref "${value.client_ref}" (import clients first)` });
  }
  return ids;
}

function duplicates<T>(rows: CsvRow<T>[], key: (row: T) => string, column: string, what: string): RowProblem[] {
  const first = new Map<string, number>();
  const problems: RowProblem[] = [];
  for (const { line, value } of rows) {
    const k = key(value);
    const seen = first.get(k);
    if (seen !== undefined) problems.push({ line, column, message: `same ${what} as line ${seen}` });
    else first.set(k, line);
  }
  return problems;
}

function sorted(problems: RowProblem[]): RowProblem[] {
  return problems.sort((a, b) => a.line - b.line || (a.column ?? "").localeCompare(b.column ?? ""));
}

/** The whole file in one transaction with its audit event: all rows or none. */
async function inImport(
  deps: ImportDeps,
  action: string,
  file: string,
  apply: (tx: Tx) => Promise<{ created: number; updated: number }>,
): Promise<ImportResult> {
  const counts = await deps.db.$transaction(
    async (tx) => {
      const result = await apply(tx);
      await appendAudit(tx, [{ at: deps.clock.now(), actor: deps.actor, action, data: { file, ...result } }]);
      return result;
    },
    { timeout: 30 * 60_000, maxWait: 60_000 },
  );
  return { ok: true, ...counts };
}
