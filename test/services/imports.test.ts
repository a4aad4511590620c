import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle, Db } from "../../src/db/database.ts";
import { ManualClock } from "../../src/services/clock.ts";
import { importClients, importEquipment, importInvoices, type ImportDeps } from "../../src/services/imports.ts";
import { createTestDatabase } from "../support/db.ts";

let handle: DatabaseHandle;
let db: Db;
let deps: ImportDeps;

beforeAll(async () => {
  handle = await createTestDatabase();
  db = handle.prisma;
  deps = { db, clock: new ManualClock(new Date("2026-08-09T12:00:00Z")), actor: "cli:test" };
});
afterAll(async () => {
  await handle?.close();
});

const CLIENTS = "ref,name,contact_name,contact_email,contact_phone,third_party,hosted_database";

/** Everything an import could have touched, to prove a refused file changed nothing. */
async function snapshot() {
  const [clients, contacts, invoices, equipment, audit] = await Promise.all([
    db.client.findMany({ orderBy: { ref: "asc" } }),
    db.contact.findMany({ orderBy: { id: "asc" } }),
    db.invoice.findMany({ orderBy: { id: "asc" } }),
    db.equipmentLoan.findMany({ orderBy: { id: "asc" } }),
    db.auditEvent.count(),
  ]);
  return { clients, contacts, invoices, equipment, audit };
}

describe("clients import", () => {
  it("creates, then updates by ref, with one audit event per file", async () => {
    const first = `${CLIENTS}\nCR-1,Acmé S.A.,Ana Pérez,ana@acme.example,+506 2222 3333,sí,no\nCR-2,Beta,,,,no,yes\n`;
    expect(await importClients(deps, "clients.csv", first)).toEqual({ ok: true, created: 2, updated: 0 });
    const second = `${CLIENTS}\nCR-1,Acme Renamed,,,,no,no\n`;
    expect(await importClients(deps, "clients.csv", second)).toEqual({ ok: true, created: 0, updated: 1 });
    const acme = await db.client.findUniqueOrThrow({ where: { ref: "CR-1" }, include: { contacts: true } });
    expect(acme).toMatchObject({ name: "Acme Renamed", nameKey: "acme renamed", thirdParty: false, status: "active" });
    // Empty contact columns keep the contact: imports never erase.
    expect(acme.contacts).toMatchObject([{ name: "Ana Pérez", email: "ana@acme.example", phone: "+506 2222 3333", isPrimary: true }]);
    expect(await db.client.findUniqueOrThrow({ where: { ref: "CR-2" } })).toMatchObject({ hostedDatabase: true });
    const events = await db.auditEvent.findMany({ where: { action: "clients.imported" }, orderBy: { seq: "asc" } });
    expect(events.map((e) => e.data)).toEqual([
      { file: "clients.csv", created: 2, updated: 0 },
      { file: "clients.csv", created: 0, updated: 1 },
    ]);
  });

  it("reads ';'-separated files with a byte-order mark, as spreadsheets export them", async () => {
    const csv = `\uFEFF${CLIENTS.replaceAll(",", ";")}\r\nCR-SEMI;Semicolon Ltda;;;;sim;não\r\n`;
    expect(await importClients(deps, "c.csv", csv)).toEqual({ ok: true, created: 1, updated: 0 });
    expect(await db.client.findUniqueOrThrow({ where: { ref: "CR-SEMI" } })).toMatchObject({ thirdParty: true, hostedDatabase: false });
  });

  it("a file with bad rows imports nothing and lists every problem by line and column", async () => {
    await importClients(deps, "c.csv", `${CLIENTS}\nCR-1,Existing,,,,no,no\n`);
    const before = await snapshot();
    const csv = [
      CLIENTS,
      "CR-10,Good One,,,,no,no",
      ",Missing Ref,,,,no,no",
      "CR-11,Bad Email,Bo,not-an-email,,maybe,no",
      "CR-10,Duplicate,,,,no,no",
      "cr 1,Collides,,,,no,no",
      "CR-12,Too few fields",
    ].join("\n");
    const result = await importClients(deps, "bad.csv", csv);
    expect(result).toEqual({
      ok: false,
      problems: [
        { line: 3, column: "ref", message: "must not be empty" },
        { line: 4, column: "contact_email", message: "an email address" },
        { line: 4, column: "third_party", message: expect.stringMatching(/^yes or no/) },
        { line: 5, column: "ref", message: "same ref as line 2" },
        { line: 6, column: "ref", message: '"cr 1" is too close to the existing ref "CR-1" (refs match without case and accents)' },
        { line: 7, message: "expected 7 fields, found 2" },
      ],
    });
    expect(await snapshot()).toEqual(before);
  });

  it.each([
    { name: "empty file", csv: "", message: /the file is empty/ },
    { name: "header only", csv: `${CLIENTS}\n`, message: /header but no rows/ },
    { name: "missing column", csv: "ref,name\nX,Y\n", message: /missing columns: contact_name, contact_email/ },
    { name: "unknown column", csv: `${CLIENTS},vip\nX,Y,,,,no,no,yes\n`, message: /unknown column: vip/ },
    { name: "unclosed quote", csv: `${CLIENTS}\nX,"Y,,,,no,no\n`, message: /not valid CSV/ },
  ])("refuses a malformed file: $name", async ({ csv, message }) => {
    const before = await snapshot();
    const result = await importClients(deps, "x.csv", csv);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]!.message).toMatch(message);
    expect(await snapshot()).toEqual(before);
  });
});

describe("invoices and equipment import", () => {
  it("converts amounts to minor units and upserts by client and number", async () => {
    await importClients(deps, "c.csv", `${CLIENTS}\nINV-C,Invoiced,,,,no,no\n`);
    const csv = "client_ref,number,amount,currency,due_on,status\nINV-C,F-1,120.50,usd,2026-08-01,open\nINV-C,F-2,1500,JPY,2026-02-28,PAID\n";
    expect(await importInvoices(deps, "i.csv", csv)).toEqual({ ok: true, created: 2, updated: 0 });
    expect(await importInvoices(deps, "i.csv", csv.replace("120.50", "99"))).toEqual({ ok: true, created: 0, updated: 2 });
    const invoices = await db.invoice.findMany({ where: { client: { ref: "INV-C" } }, orderBy: { number: "asc" } });
    expect(invoices.map((i) => [i.number, i.amountMinor, i.currency, i.dueOn.toISOString().slice(0, 10), i.status])).toEqual([
      ["F-1", 9900n, "USD", "2026-08-01", "open"],
      ["F-2", 1500n, "JPY", "2026-02-28", "paid"],
    ]);
  });

  it("one bad row among good ones changes nothing, and unknown clients are named on their rows", async () => {
    await importClients(deps, "c.csv", `${CLIENTS}\nINV-D,Other,,,,no,no\n`);
    const before = await snapshot();
    const csv = [
      "client_ref,number,amount,currency,due_on,status",
      "INV-D,G-1,10,USD,2026-08-01,open",
      "INV-D,G-2,10.999,USD,2026-08-01,open",
      "GHOST,G-3,10,USD,2026-02-30,open",
      "INV-D,G-4,10,XXX,2026-08-01,open",
      "INV-D,G-1,10,USD,2026-08-01,open",
    ].join("\n");
    expect(await importInvoices(deps, "i.csv", csv)).toEqual({
      ok: false,
      problems: [
        { line: 3, column: "amount", message: "USD has 2 decimals; \"10.999\" has 3" },
        { line: 4, column: "client_ref", message: 'no client with ref "GHOST" (import clients first)' },
        { line: 4, column: "due_on", message: "a date as YYYY-MM-DD" },
        { line: 5, column: "currency", message: expect.stringMatching(/ISO 4217/) },
        { line: 6, column: "number", message: "same client_ref and number as line 2" },
      ],
    });
    expect(await snapshot()).toEqual(before);
  });

  it("imports loaned equipment with its status", async () => {
    await importClients(deps, "c.csv", `${CLIENTS}\nISP-1,Fibra Casa,,,,no,no\n`);
    const csv = "client_ref,serial,description,status\nISP-1,ONT-778,Router ONT,out\nISP-1,STB-1,Set-top box,returned\n";
    expect(await importEquipment(deps, "e.csv", csv)).toEqual({ ok: true, created: 2, updated: 0 });
    const bad = "client_ref,serial,description,status\nISP-1,ONT-778,Router ONT,stolen\n";
    expect(await importEquipment(deps, "e.csv", bad)).toMatchObject({ ok: false, problems: [{ line: 2, column: "status" }] });
    expect(await db.equipmentLoan.count({ where: { client: { ref: "ISP-1" }, status: "out" } })).toBe(1);
  });
});
