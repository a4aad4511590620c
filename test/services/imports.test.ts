import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle, Db } from "../../src/db/database.ts";
import { createStore } from "../../src/db/store.ts";
import { ManualClock } from "../../src/services/clock.ts";
import { decodeCsv } from "../../src/services/csv-rows.ts";
import { importClients, importContacts, importEquipment, importInvoices, type ImportDeps } from "../../src/services/imports.ts";
import { createTestDatabase } from "../support/db.ts";

let handle: DatabaseHandle;
let db: Db;
let deps: ImportDeps;

beforeAll(async () => {
  handle = await createTestDatabase();
  db = handle.prisma;
  deps = { store: createStore(db), clock: new ManualClock(new Date("2026-08-09T12:00:00Z")), actor: "cli:test" };
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
    // Its phone in E.164: spaces removed.
    expect(acme.contacts).toMatchObject([{ name: "Ana Pérez", email: "ana@acme.example", phone: "+50622223333", isPrimary: true }]);
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
      "cr 1,Same client as CR-1,,,,no,no",
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

describe("refs match without case or accents", () => {
  it("re-importing a client with its ref written differently updates that client, whose ref keeps its spelling", async () => {
    await importClients(deps, "c.csv", `${CLIENTS}\nREF-01,Acme One,,,,no,no\n`);
    expect(await importClients(deps, "c.csv", `${CLIENTS}\nréf 01,Acme Renamed,,,,sí,no\n`)).toEqual({ ok: true, created: 0, updated: 1 });
    expect(await db.client.findMany({ where: { refKey: "ref 01" } })).toMatchObject([{ ref: "REF-01", name: "Acme Renamed", thirdParty: true }]);
  });

  it("rows without a ref are reported as such, not as duplicates of each other", async () => {
    const result = await importClients(deps, "c.csv", `${CLIENTS}\n,No Ref One,,,,no,no\n,No Ref Two,,,,no,no\n`);
    expect(result).toEqual({ ok: false, problems: [{ line: 2, column: "ref", message: "must not be empty" }, { line: 3, column: "ref", message: "must not be empty" }] });
  });

  it("two rows of one file naming one client, however written, are one duplicate", async () => {
    const result = await importClients(deps, "c.csv", `${CLIENTS}\nDUP-1,One,,,,no,no\ndup 1,Two,,,,no,no\n`);
    expect(result).toEqual({ ok: false, problems: [{ line: 3, column: "ref", message: 'same ref as line 2 ("dup 1" and "DUP-1": refs match without case and accents)' }] });
  });

  it("invoices and equipment find their client by a ref written in any case, with or without accents", async () => {
    await importClients(deps, "c.csv", `${CLIENTS}\nACME-01,Acme,,,,no,no\n`);
    const invoices = "client_ref,number,amount,currency,due_on,status\nacme-01,R-1,10,USD,2026-08-01,open\nÁCME-01,R-2,20,USD,2026-08-01,open\nAcme 01,R-3,30,USD,2026-08-01,paid\n";
    expect(await importInvoices(deps, "i.csv", invoices)).toEqual({ ok: true, created: 3, updated: 0 });
    const equipment = "client_ref,serial,description,status\nácme-01,S-1,Router,out\nACME 01,S-2,Modem,returned\n";
    expect(await importEquipment(deps, "e.csv", equipment)).toEqual({ ok: true, created: 2, updated: 0 });
    const acme = await db.client.findUniqueOrThrow({ where: { ref: "ACME-01" }, include: { invoices: { orderBy: { number: "asc" } }, equipment: { orderBy: { serial: "asc" } } } });
    expect(acme.invoices.map((i) => i.number)).toEqual(["R-1", "R-2", "R-3"]);
    expect(acme.equipment.map((e) => e.serial)).toEqual(["S-1", "S-2"]);
    // One invoice named twice, its client's ref written two ways, is a duplicate; an unknown ref is still unknown.
    const twice = "client_ref,number,amount,currency,due_on,status\nACME-01,R-9,10,USD,2026-08-01,open\nacme 01,R-9,10,USD,2026-08-01,open\nACME-02,R-9,10,USD,2026-08-01,open\n";
    expect(await importInvoices(deps, "i.csv", twice)).toEqual({
      ok: false,
      problems: [
        { line: 3, column: "number", message: "same client_ref and number as line 2" },
        { line: 4, column: "client_ref", message: 'no client with ref "ACME-02" (import clients first)' },
      ],
    });
  });
});

describe("what is in the file: encodings and files that are not CSV", () => {
  const latin1 = (text: string) => Buffer.from(text, "latin1");
  const header = `${CLIENTS}\n`;

  it("a file not in UTF-8 is refused at its first bad line, with the hint, and imports nothing", async () => {
    const before = await snapshot();
    const csv = latin1(`${header}ENC-1,Plain Name,,,,no,no\nENC-2,Compañía Uno,,,,no,no\nENC-3,Ação,,,,no,no\n`);
    expect(await importClients(deps, "latin1.csv", csv)).toEqual({
      ok: false,
      problems: [{ line: 3, message: 'not UTF-8 text (the file looks like Latin-1 or Windows-1252): save it as "CSV UTF-8" in your spreadsheet, or import it with --encoding latin1' }],
    });
    expect(await snapshot()).toEqual(before);
  });

  it("with encoding latin1 the same file imports its accents right, and a UTF-8 file is not read as Latin-1", async () => {
    // Spreadsheets saving "Latin-1" write Windows-1252: the euro sign is byte 0x80.
    const csv = Buffer.concat([latin1(`${header}ENC-1,Compañía Uno,,,,no,no\nENC-2,Ação `), Buffer.from([0x80]), latin1(",,,,no,no\n")]);
    expect(await importClients(deps, "latin1.csv", csv, { encoding: "latin1" })).toEqual({ ok: true, created: 2, updated: 0 });
    expect((await db.client.findMany({ where: { ref: { in: ["ENC-1", "ENC-2"] } }, orderBy: { ref: "asc" } })).map((c) => c.name)).toEqual(["Compañía Uno", "Ação €"]);
    const utf8 = Buffer.from(`${header}ENC-3,Compañía Tres,,,,no,no\n`, "utf8");
    expect(await importClients(deps, "utf8.csv", utf8, { encoding: "latin1" })).toMatchObject({ ok: false, problems: [{ line: 1, message: expect.stringMatching(/^the file is already UTF-8: import it without --encoding latin1/) }] });
    expect(await importClients(deps, "utf8.csv", utf8)).toEqual({ ok: true, created: 1, updated: 0 });
  });

  it.each([
    { name: "an Excel workbook", bytes: Buffer.concat([Buffer.from("PK\x03\x04\x14\x00\x06\x00", "latin1"), Buffer.from("[Content_Types].xml ref,name")]), kind: "a zip archive, such as an Excel .xlsx or OpenDocument .ods workbook" },
    { name: "an old Excel workbook", bytes: Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0x72, 0x65, 0x66]), kind: "an Excel .xls workbook" },
    { name: "a PDF", bytes: Buffer.from("%PDF-1.7\nref,name\n"), kind: "a PDF document" },
    { name: "an image", bytes: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52]), kind: "binary data, not text" },
    { name: "control characters", bytes: Buffer.from(Array.from({ length: 200 }, (_, i) => (i % 3 === 0 ? 0x01 : 0x41 + (i % 20)))), kind: "binary data, not text" },
  ])("$name is not a CSV file, and none of its bytes are quoted", async ({ bytes, kind }) => {
    const result = await importClients(deps, "x.csv", bytes);
    expect(result).toEqual({ ok: false, problems: [{ line: 1, message: `not a CSV file: it is ${kind}; save the data as "CSV UTF-8" in your spreadsheet and import that file` }] });
    expect(await importClients(deps, "x.csv", bytes, { encoding: "latin1" })).toEqual(result);
  });

  it("a file holding NUL read as text is not a CSV file either", async () => {
    expect(await importClients(deps, "x.csv", `${header}A\u0000B,Name,,,,no,no\n`)).toMatchObject({ ok: false, problems: [{ line: 1, message: expect.stringMatching(/^not a CSV file: it is binary data/) }] });
  });

  it("UTF-16 text is named as such", () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(header, "utf16le")]);
    expect(decodeCsv(utf16)).toEqual({ ok: false, problem: { line: 1, message: 'the file is UTF-16 text ("Unicode text"), not CSV: save it as "CSV UTF-8" in your spreadsheet and import that file' } });
    expect(decodeCsv(Buffer.from("\uFEFFref,name\r\nÁ,ß\r\n"))).toEqual({ ok: true, text: "ref,name\r\nÁ,ß\r\n" });
  });
});

describe("every problem of a row at once", () => {
  it("a row with a wrong amount and other wrong columns reports them all in one run", async () => {
    await importClients(deps, "c.csv", `${CLIENTS}\nROW-1,Row,,,,no,no\n`);
    const csv = "client_ref,number,amount,currency,due_on,status\nROW-1,H-1,12.345,USD,2026-02-30,late\nROW-1,H-1,1.5,JPY,2026-08-01,open\nrow 1,H-3,7,usd,2026-08-01,open\n";
    expect(await importInvoices(deps, "i.csv", csv)).toEqual({
      ok: false,
      problems: [
        { line: 2, column: "amount", message: 'USD has 2 decimals; "12.345" has 3' },
        { line: 2, column: "due_on", message: "a date as YYYY-MM-DD" },
        { line: 2, column: "status", message: "one of open, paid, void, credited" },
        { line: 3, column: "amount", message: 'JPY has 0 decimals; "1.5" has 1' },
        { line: 3, column: "number", message: "same client_ref and number as line 2" },
      ],
    });
  });
});

describe("contacts import", () => {
  const CONTACTS = "client_ref,name,email,phone,role,language";
  const contactsOf = (ref: string) =>
    db.contact.findMany({ where: { client: { ref } }, orderBy: [{ isPrimary: "desc" }, { createdAt: "asc" }, { name: "asc" }] });
  const facts = (rows: Awaited<ReturnType<typeof contactsOf>>) => rows.map((c) => [c.name, c.email, c.phone, c.role, c.language, c.isPrimary]);

  it("adds several contacts per client, E.164 phones, roles and languages; a row naming the primary contact's email completes it", async () => {
    await importClients(deps, "c.csv", `${CLIENTS}\nCON-1,Contacto Uno,Ana Pérez,ana@con1.test,+598 99 123 456,no,no\nCON-2,Contacto Dos,,,,no,no\n`);
    const csv = [
      CONTACTS,
      "CON-1,Bruno Silva,bruno@con1.test,+55 (11) 91234-5678,Billing,PT",
      "con 1,Carla Ruiz,,+598 98-765-432,owner,",
      "CON-1,Front desk,,,,",
      "CON-1,Ana P.,ANA@con1.test,,billing,es",
      "CON-2,Dora,dora@con2.test,,,en",
    ].join("\n");
    expect(await importContacts(deps, "contacts.csv", csv)).toEqual({ ok: true, created: 4, updated: 1 });
    expect(facts(await contactsOf("CON-1"))).toEqual([
      // The primary contact (from the clients CSV) matched by its email, without case: updated, still primary.
      ["Ana P.", "ANA@con1.test", "+59899123456", "billing", "es", true],
      ["Bruno Silva", "bruno@con1.test", "+5511912345678", "billing", "pt", false],
      ["Carla Ruiz", null, "+59898765432", "owner", null, false],
      ["Front desk", null, null, null, null, false],
    ]);
    expect(facts(await contactsOf("CON-2"))).toEqual([["Dora", "dora@con2.test", null, null, "en", false]]);
    const event = await db.auditEvent.findFirstOrThrow({ where: { action: "contacts.imported" }, orderBy: { seq: "desc" } });
    expect(event).toMatchObject({ actor: "cli:test", data: { file: "contacts.csv", created: 4, updated: 1 } });
  });

  it("re-importing the same file changes nothing", async () => {
    await importClients(deps, "c.csv", `${CLIENTS}\nCON-3,Contacto Tres,Eva,eva@con3.test,,no,no\n`);
    const csv = `${CONTACTS}\nCON-3,Eva,eva@con3.test,+598 99 000 111,billing,es\nCON-3,Fito,,+598 99 222 333,,\nCON-3,Gabi,,,owner,pt\n`;
    expect(await importContacts(deps, "contacts.csv", csv)).toEqual({ ok: true, created: 2, updated: 1 });
    const before = await contactsOf("CON-3");
    expect(await importContacts(deps, "contacts.csv", csv)).toEqual({ ok: true, created: 0, updated: 3 });
    // Not a field changed, not even updatedAt: an unchanged row is not written.
    expect(await contactsOf("CON-3")).toEqual(before);
  });

  it("a contact is found by email, else phone, else name; empty columns never erase", async () => {
    await importClients(deps, "c.csv", `${CLIENTS}\nCON-4,Contacto Cuatro,,,,no,no\n`);
    await importContacts(deps, "a.csv", `${CONTACTS}\nCON-4,Hugo,hugo@con4.test,,billing,es\nCON-4,Iris,,+598 91 555 666,owner,\nCON-4,Ínes Martín,,,,pt\n`);
    const again = `${CONTACTS}\nCON-4,Hugo Díaz,HUGO@CON4.TEST,+598 92 777 888,,\nCON-4,Iris Lima,,+59891555666,,en\nCON-4,ines martin,,,legal,\n`;
    expect(await importContacts(deps, "b.csv", again)).toEqual({ ok: true, created: 0, updated: 3 });
    expect(facts(await contactsOf("CON-4"))).toEqual([
      ["Hugo Díaz", "HUGO@CON4.TEST", "+59892777888", "billing", "es", false],
      ["Iris Lima", null, "+59891555666", "owner", "en", false],
      ["ines martin", null, null, "legal", "pt", false],
    ]);
    // A contact known by its phone, given an email, is another contact: the email is its identity now.
    expect(await importContacts(deps, "c.csv", `${CONTACTS}\nCON-4,Iris Lima,iris@con4.test,+59891555666,,\n`)).toEqual({ ok: true, created: 1, updated: 0 });
  });

  it("a file with bad rows imports nothing and names every problem by line and column", async () => {
    await importClients(deps, "c.csv", `${CLIENTS}\nCON-5,Contacto Cinco,,,,no,no\n`);
    const before = await snapshot();
    const csv = [
      CONTACTS,
      "CON-5,Good,good@con5.test,+598 99 123 456,billing,es",
      ",No Ref,,,,",
      "GHOST,Nobody,,,,",
      "CON-5,,empty-name@con5.test,,,",
      "CON-5,Bad Email,not-an-email,,,",
      "CON-5,Local Number,,099 123 456,,",
      "CON-5,Dotted,,+598.99.123.456,,",
      "CON-5,Bad Role,,,Billing Contact,",
      "CON-5,Bad Language,,,,fr",
      "con-5,Same Email,GOOD@con5.test,,,",
      "CON-5,Phone Only,,+598 98 000 111,,",
      "CON-5,Same Phone,,+59898000111,,",
      "CON-5,Named Twice,,,,",
      "CON-5,named twice,,,,",
      "CON-5,Too Few",
    ].join("\n");
    const e164 = "a phone number in E.164: + and the country code, then the number (e.g. +598 99 123 456); only spaces, dashes and parentheses may separate the digits";
    expect(await importContacts(deps, "bad.csv", csv)).toEqual({
      ok: false,
      problems: [
        { line: 3, column: "client_ref", message: "must not be empty" },
        { line: 4, column: "client_ref", message: 'no client with ref "GHOST" (import clients first)' },
        { line: 5, column: "name", message: "must not be empty" },
        { line: 6, column: "email", message: "an email address" },
        { line: 7, column: "phone", message: e164 },
        { line: 8, column: "phone", message: e164 },
        { line: 9, column: "role", message: "a role id in lower_snake_case: a letter, then letters, digits or _ (at most 40), e.g. billing, owner" },
        { line: 10, column: "language", message: "one of en, es, pt, or empty for the policy's" },
        { line: 11, column: "email", message: "same client_ref and email as line 2" },
        { line: 13, column: "phone", message: "same client_ref and phone as line 12" },
        { line: 15, column: "name", message: "same client_ref and name as line 14" },
        { line: 16, message: "expected 6 fields, found 2" },
      ],
    });
    expect(await snapshot()).toEqual(before);
  });

  it("refuses a malformed file (header) and reads Latin-1 with encoding latin1", async () => {
    expect(await importContacts(deps, "x.csv", "client_ref,name,email\nA,B,c@d.test\n")).toEqual({ ok: false, problems: [{ line: 1, message: "missing columns: phone, role, language" }] });
    await importClients(deps, "c.csv", `${CLIENTS}\nCON-6,Contacto Seis,,,,no,no\n`);
    const latin1 = Buffer.from(`${CONTACTS}\nCON-6,João Ação,joao@con6.test,,,pt\n`, "latin1");
    expect(await importContacts(deps, "latin1.csv", latin1)).toMatchObject({ ok: false, problems: [{ line: 2, message: expect.stringMatching(/^not UTF-8 text/) }] });
    expect(await importContacts(deps, "latin1.csv", latin1, { encoding: "latin1" })).toEqual({ ok: true, created: 1, updated: 0 });
    expect(facts(await contactsOf("CON-6"))).toEqual([["João Ação", "joao@con6.test", null, null, "pt", false]]);
  });
});

describe("the clients CSV's contact columns: the primary contact", () => {
  it("still create and update the client's primary contact, its phone in E.164", async () => {
    expect(await importClients(deps, "c.csv", `${CLIENTS}\nPRI-1,Primary One,Zoe,zoe@pri1.test,+55 (21) 99876-5432,no,no\n`)).toEqual({ ok: true, created: 1, updated: 0 });
    await importClients(deps, "c.csv", `${CLIENTS}\nPRI-1,Primary One,Zoe Lima,,,no,no\n`);
    expect(await db.contact.findMany({ where: { client: { ref: "PRI-1" } } })).toMatchObject([{ name: "Zoe Lima", email: "zoe@pri1.test", phone: "+5521998765432", isPrimary: true, role: null, language: null }]);
  });

  it("a contact_phone that is not E.164 is refused on its line", async () => {
    const result = await importClients(deps, "c.csv", `${CLIENTS}\nPRI-2,Primary Two,Yan,,099 123 456,no,no\n`);
    expect(result).toEqual({ ok: false, problems: [{ line: 2, column: "contact_phone", message: expect.stringMatching(/^a phone number in E\.164/) }] });
  });
});
