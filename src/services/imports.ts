import { isMatch } from "date-fns";
import { z } from "zod";
import type { Repositories, Store } from "../db/store.ts";
import { CONTACT_LANGUAGES, contactIdentity, E164_HINT, normalisePhone, ROLE, ROLE_HINT } from "../domain/contacts.ts";
import { isCurrency, parseAmount } from "../domain/money.ts";
import { searchKey } from "../domain/text.ts";
import { readCsv, type CsvEncoding, type CsvRow, type RowProblem } from "./csv-rows.ts";
import type { Clock } from "./clock.ts";

export type ImportResult = { ok: true; created: number; updated: number } | { ok: false; problems: RowProblem[] };

export interface ImportOptions {
  /** How the file's bytes are read when it is given as bytes: UTF-8 unless told otherwise. */
  encoding?: CsvEncoding;
}

export interface ImportDeps {
  store: Store;
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
const email = optionalText(254).pipe(z.email("an email address").nullable());
/** E.164 once spaces, dashes and parentheses are removed: "+598 99 123 456" is stored "+59899123456". */
const phone = optionalText(40).transform((v, ctx) => {
  if (v === null) return null;
  const e164 = normalisePhone(v);
  if (e164 === null) ctx.addIssue({ code: "custom", message: E164_HINT });
  return e164;
});
/** A lower_snake_case id; written in capitals ("Billing") it is read in lower case. */
const role = optionalText(40).pipe(z.string().transform((v) => v.toLowerCase()).pipe(z.string().regex(ROLE, ROLE_HINT)).nullable());
const language = z
  .string()
  .transform((v) => v.toLowerCase())
  .pipe(z.enum(["", ...CONTACT_LANGUAGES], `one of ${CONTACT_LANGUAGES.join(", ")}, or empty for the policy's`))
  .transform((v) => (v === "" ? null : v));

// ---------------------------------------------------------------- clients

export const CLIENT_COLUMNS = ["ref", "name", "contact_name", "contact_email", "contact_phone", "third_party", "hosted_database"] as const;

const clientRow = z.object({
  ref,
  name: required(200),
  contact_name: optionalText(200),
  contact_email: email,
  contact_phone: phone,
  third_party: yesNo,
  hosted_database: yesNo,
});
type ClientRow = z.infer<typeof clientRow>;

/**
 * Refs match without case and accents: a row whose ref is written differently
 * from an existing client's (`acme 01` for `ACME-01`) updates that client,
 * whose ref keeps its first spelling.
 */
export async function importClients(deps: ImportDeps, file: string, csv: string | Uint8Array, options: ImportOptions = {}): Promise<ImportResult> {
  const read = readCsv(csv, CLIENT_COLUMNS, clientRow, options.encoding);
  if (read.fatal) return { ok: false, problems: read.problems };
  const problems = [...read.problems, ...duplicates(read.raw, (r) => searchKey(r.ref ?? ""), "ref", "ref", (r) => r.ref)];
  if (problems.length) return { ok: false, problems: sorted(problems) };
  const existing = await deps.store.ledgerImports.clientsByRefKey(read.rows.map((r) => searchKey(r.value.ref)));
  const byKey = new Map(existing.map((c) => [c.refKey, c]));

  return inImport(deps, "clients.imported", file, async (tx) => {
    let created = 0;
    for (const { value } of read.rows) {
      const current = byKey.get(searchKey(value.ref));
      const facts = { name: value.name, nameKey: searchKey(value.name), thirdParty: value.third_party, hostedDatabase: value.hosted_database };
      const client = current
        ? await tx.ledgerImports.updateClientFacts(current.id, facts)
        : await tx.ledgerImports.createClient({ ref: value.ref, refKey: searchKey(value.ref), ...facts });
      if (!current) created += 1;
      await upsertPrimaryContact(tx, client.id, value);
    }
    return { created, updated: read.rows.length - created };
  });
}

/** Empty contact columns leave an existing contact as it is: imports never erase. */
async function upsertPrimaryContact(tx: Repositories, clientId: string, row: ClientRow): Promise<void> {
  if (!row.contact_name && !row.contact_email && !row.contact_phone) return;
  const data = {
    name: row.contact_name ?? row.contact_email ?? row.contact_phone!,
    ...(row.contact_email ? { email: row.contact_email } : {}),
    ...(row.contact_phone ? { phone: row.contact_phone } : {}),
  };
  await tx.ledgerImports.savePrimaryContact(clientId, data);
}

// ---------------------------------------------------------------- invoices

export const INVOICE_COLUMNS = ["client_ref", "number", "amount", "currency", "due_on", "status"] as const;

const AMOUNT = /^\d{1,15}([.,]\d+)?$/;

const invoiceRow = z
  .object({
    client_ref: ref,
    number: required(64),
    amount: required(40).regex(AMOUNT, "an amount: digits with an optional decimal point or comma, no thousands separators"),
    currency: z.string().transform((v) => v.toUpperCase()).refine(isCurrency, "an ISO 4217 currency code such as USD, UYU, BRL"),
    due_on: isoDate,
    status: enumOf(["open", "paid", "void", "credited"]),
  })
  // The amount's decimals depend on the currency. This runs even when other columns of the
  // row are wrong (`when`), so every problem of a row is reported at once.
  .superRefine(
    (row, ctx) => {
      if (typeof row.amount !== "string" || !AMOUNT.test(row.amount) || typeof row.currency !== "string" || !isCurrency(row.currency)) return;
      const amount = parseAmount(row.amount, row.currency);
      if (!amount.ok) ctx.addIssue({ code: "custom", path: ["amount"], message: amount.message });
    },
    { when: () => true },
  )
  // Runs only when every column passed, the amount's decimals included.
  .transform((row) => {
    const amount = parseAmount(row.amount, row.currency);
    return { ...row, amountMinor: amount.ok ? amount.minor : 0n };
  });

export function importInvoices(deps: ImportDeps, file: string, csv: string | Uint8Array, options: ImportOptions = {}): Promise<ImportResult> {
  return importClientRecords(deps, file, csv, options, {
    columns: INVOICE_COLUMNS,
    schema: invoiceRow,
    key: "number",
    action: "invoices.imported",
    upsert: (tx, clientId, value) =>
      tx.ledgerImports.saveInvoice(clientId, value.number, { amountMinor: value.amountMinor, currency: value.currency, dueOn: new Date(`${value.due_on}T00:00:00Z`), status: value.status }),
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

export function importEquipment(deps: ImportDeps, file: string, csv: string | Uint8Array, options: ImportOptions = {}): Promise<ImportResult> {
  return importClientRecords(deps, file, csv, options, {
    columns: EQUIPMENT_COLUMNS,
    schema: equipmentRow,
    key: "serial",
    action: "equipment.imported",
    upsert: (tx, clientId, value) => tx.ledgerImports.saveEquipment(clientId, value.serial, { description: value.description, status: value.status }),
  });
}

// ---------------------------------------------------------------- contacts

export const CONTACT_COLUMNS = ["client_ref", "name", "email", "phone", "role", "language"] as const;

const contactRow = z.object({ client_ref: ref, name: required(200), email, phone, role, language });

const IDENTITY_COLUMN = { email: "email", phone: "phone", name: "name" } as const;

/**
 * A client's contacts, several per client. Within its client a row is the
 * contact with the same email (without case), else the same phone (E.164),
 * else the same name (without case or accents): that contact is updated (the
 * primary one too, which stays primary), any other row creates one. Empty
 * columns leave what a contact has: imports never erase. Re-importing a file
 * changes nothing.
 */
export async function importContacts(deps: ImportDeps, file: string, csv: string | Uint8Array, options: ImportOptions = {}): Promise<ImportResult> {
  const read = readCsv(csv, CONTACT_COLUMNS, contactRow, options.encoding);
  if (read.fatal) return { ok: false, problems: read.problems };
  // Duplicates by the identity each row would have once valid (its email, else phone, else name), named by that column.
  const identity = (r: Record<string, string>) => {
    const id = contactIdentity({ name: r.name ?? "", email: r.email || null, phone: r.phone ? (normalisePhone(r.phone) ?? r.phone) : null });
    return id && r.client_ref ? { ...id, key: `${searchKey(r.client_ref)}\u0000${id.key}` } : null;
  };
  const problems = [...read.problems];
  for (const by of ["email", "phone", "name"] as const) {
    problems.push(...duplicates(read.raw, (r) => (identity(r)?.by === by ? identity(r)!.key : ""), IDENTITY_COLUMN[by], `client_ref and ${by}`));
  }
  const clients = await clientIdsFor(deps.store, read.raw, problems);
  if (problems.length) return { ok: false, problems: sorted(problems) };

  return inImport(deps, "contacts.imported", file, async (tx) => {
    const existing = await tx.ledgerImports.contactsOf([...new Set(clients.values())]);
    const byIdentity = new Map<string, (typeof existing)[number]>();
    for (const contact of existing) {
      const id = contactIdentity(contact);
      if (id && !byIdentity.has(`${contact.clientId}\u0000${id.key}`)) byIdentity.set(`${contact.clientId}\u0000${id.key}`, contact);
    }
    let created = 0;
    for (const { value } of read.rows) {
      const clientId = clients.get(searchKey(value.client_ref))!;
      const facts = {
        name: value.name,
        ...(value.email ? { email: value.email } : {}),
        ...(value.phone ? { phone: value.phone } : {}),
        ...(value.role ? { role: value.role } : {}),
        ...(value.language ? { language: value.language } : {}),
      };
      const current = byIdentity.get(`${clientId}\u0000${contactIdentity(value)!.key}`);
      if (!current) {
        await tx.ledgerImports.createContact(clientId, facts);
        created += 1;
      } else if (Object.entries(facts).some(([k, v]) => current[k as keyof typeof facts] !== v)) {
        await tx.ledgerImports.updateContact(current.id, facts);
      }
    }
    return { created, updated: read.rows.length - created };
  });
}

// ---------------------------------------------------------------- shared

interface ClientRecordImport<K extends string, T extends { client_ref: string } & Record<K, string>> {
  columns: readonly string[];
  schema: z.ZodType<T>;
  /** With client_ref, the column that identifies a row. */
  key: K;
  action: "invoices.imported" | "equipment.imported";
  /** Creates or updates one row; true when it created. */
  upsert(tx: Repositories, clientId: string, value: T): Promise<boolean>;
}

/** Rows that belong to a client (invoices, equipment), keyed by client_ref (matched like refs: without case and accents) and one more column. */
async function importClientRecords<K extends string, T extends { client_ref: string } & Record<K, string>>(
  deps: ImportDeps,
  file: string,
  csv: string | Uint8Array,
  options: ImportOptions,
  spec: ClientRecordImport<K, T>,
): Promise<ImportResult> {
  const read = readCsv(csv, spec.columns, spec.schema, options.encoding);
  if (read.fatal) return { ok: false, problems: read.problems };
  const problems = [
    ...read.problems,
    ...duplicates(read.raw, (r) => (r.client_ref && r[spec.key] ? `${searchKey(r.client_ref)}\u0000${r[spec.key]}` : ""), spec.key, `client_ref and ${spec.key}`),
  ];
  const clients = await clientIdsFor(deps.store, read.raw, problems);
  if (problems.length) return { ok: false, problems: sorted(problems) };

  return inImport(deps, spec.action, file, async (tx) => {
    let created = 0;
    for (const { value } of read.rows) {
      if (await spec.upsert(tx, clients.get(searchKey(value.client_ref))!, value)) created += 1;
    }
    return { created, updated: read.rows.length - created };
  });
}

/**
 * Rows naming a client must name one that exists, matched without case and
 * accents: every unknown ref, in any row, is a problem on its row. The map
 * goes from a ref's searchKey to the client's id.
 */
async function clientIdsFor(store: Store, rows: CsvRow<Record<string, string>>[], problems: RowProblem[]): Promise<Map<string, string>> {
  const keys = [...new Set(rows.map((r) => searchKey(r.value.client_ref ?? "")).filter((key) => key !== ""))];
  const found = await store.ledgerImports.clientsByRefKey(keys);
  const ids = new Map(found.map((c) => [c.refKey, c.id]));
  for (const { line, value } of rows) {
    if (value.client_ref && !ids.has(searchKey(value.client_ref))) problems.push({ line, column: "client_ref", message: `no client with ref "${value.client_ref}" (import clients first)` });
  }
  return ids;
}

/** Rows whose key (never empty) repeats an earlier row's; `written` tells when the two spell it differently. */
function duplicates<T>(rows: CsvRow<T>[], key: (row: T) => string, column: string, what: string, written?: (row: T) => string | undefined): RowProblem[] {
  const first = new Map<string, { line: number; value: T }>();
  const problems: RowProblem[] = [];
  for (const { line, value } of rows) {
    const k = key(value);
    if (k === "") continue;
    const seen = first.get(k);
    if (seen === undefined) first.set(k, { line, value });
    else {
      const spelled = written && written(value) !== written(seen.value) ? ` ("${written(value)}" and "${written(seen.value)}": refs match without case and accents)` : "";
      problems.push({ line, column, message: `same ${what} as line ${seen.line}${spelled}` });
    }
  }
  return problems;
}

function sorted(problems: RowProblem[]): RowProblem[] {
  return problems.sort((a, b) => a.line - b.line || (a.column ?? "").localeCompare(b.column ?? ""));
}

/** The whole file in one transaction with its audit event: all rows or none. */
async function inImport(
  deps: ImportDeps,
  action: "clients.imported" | "invoices.imported" | "equipment.imported" | "contacts.imported",
  file: string,
  apply: (tx: Repositories) => Promise<{ created: number; updated: number }>,
): Promise<ImportResult> {
  const counts = await deps.store.transaction(
    async (tx) => {
      const result = await apply(tx);
      await tx.audit.append([{ at: deps.clock.now(), actor: deps.actor, action, data: { file, ...result } }]);
      return result;
    },
    { timeoutMs: 30 * 60_000, maxWaitMs: 60_000 },
  );
  return { ok: true, ...counts };
}
