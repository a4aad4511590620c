import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Ledger } from "../../src/connectors/ledger.ts";
import { ClientNotInSystemError } from "../../src/connectors/system-of-record.ts";
import type { DatabaseHandle, Db } from "../../src/db/database.ts";
import { createStore } from "../../src/db/store.ts";
import { chooseRecipients } from "../../src/domain/recipients.ts";
import { ManualClock } from "../../src/services/clock.ts";
import { importClients, importContacts, type ImportDeps } from "../../src/services/imports.ts";
import { createTestDatabase } from "../support/db.ts";

// The built-in ledger's contacts(): what the imports wrote, as the system of record answers it.
let handle: DatabaseHandle;
let db: Db;
let deps: ImportDeps;
let ledger: Ledger;

beforeAll(async () => {
  handle = await createTestDatabase();
  db = handle.prisma;
  deps = { store: createStore(db), clock: new ManualClock(new Date("2026-08-09T12:00:00Z")), actor: "cli:test" };
  ledger = new Ledger(db);
});
afterAll(async () => {
  await handle?.close();
});

const CLIENTS = "ref,name,contact_name,contact_email,contact_phone,third_party,hosted_database";
const CONTACTS = "client_ref,name,email,phone,role,language";

describe("the ledger's contacts", () => {
  it("are the client's active contacts, the primary first, then in the order imported", async () => {
    await importClients(deps, "c.csv", `${CLIENTS}\nLC-1,Ledger Uno,Ana Pérez,ana@lc1.test,+598 99 123 456,no,no\nLC-2,Ledger Dos,,,,no,no\n`);
    await importContacts(deps, "k.csv", `${CONTACTS}\nLC-1,Bruno,bruno@lc1.test,,billing,pt\nLC-1,Carla,,+55 11 91234 5678,owner,\n`);
    await importContacts(deps, "k.csv", `${CONTACTS}\nLC-1,Dora,,,,en\n`);
    expect(await ledger.contacts("LC-1")).toEqual([
      { name: "Ana Pérez", email: "ana@lc1.test", phone: "+59899123456", role: null, language: null, primary: true },
      { name: "Bruno", email: "bruno@lc1.test", phone: null, role: "billing", language: "pt", primary: false },
      { name: "Carla", email: null, phone: "+5511912345678", role: "owner", language: null, primary: false },
      { name: "Dora", email: null, phone: null, role: null, language: "en", primary: false },
    ]);
    expect(await ledger.contacts("LC-2")).toEqual([]);
    // What the messages will do with them: the billing contact first, in its language.
    const email = chooseRecipients(await ledger.contacts("LC-1"), "email", "es");
    expect([email.recipients.map((r) => r.address), email.language]).toEqual([["bruno@lc1.test", "ana@lc1.test"], "pt"]);
  });

  it("leave out inactive contacts, and a phone stored before phones were E.164", async () => {
    await importClients(deps, "c.csv", `${CLIENTS}\nLC-3,Ledger Tres,,,,no,no\n`);
    const client = await db.client.findUniqueOrThrow({ where: { ref: "LC-3" } });
    await db.contact.createMany({
      data: [
        { clientId: client.id, name: "Old Number", email: "old@lc3.test", phone: "099 123 456", isPrimary: true },
        { clientId: client.id, name: "Gone", email: "gone@lc3.test", active: false },
      ],
    });
    expect(await ledger.contacts("LC-3")).toEqual([{ name: "Old Number", email: "old@lc3.test", phone: null, role: null, language: null, primary: true }]);
  });

  it("after the client's data is deleted there are none", async () => {
    await importClients(deps, "c.csv", `${CLIENTS}\nLC-4,Ledger Cuatro,Eva,eva@lc4.test,+598 94 111 222,no,no\n`);
    expect(await ledger.contacts("LC-4")).toHaveLength(1);
    await ledger.deleteClientData("LC-4", { actor: "system", at: new Date("2026-09-01T00:00:00Z"), idempotencyKey: "del" });
    expect(await ledger.contacts("LC-4")).toEqual([]);
  });

  it("an unknown ref is not in the system, as for its other reads", async () => {
    await expect(ledger.contacts("NO-SUCH")).rejects.toBeInstanceOf(ClientNotInSystemError);
  });
});
