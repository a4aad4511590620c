import type { ContactLanguage } from "../domain/contacts.ts";
import type { Tx } from "./database.ts";

// What the CSV imports (`offboard clients|contacts|invoices|equipment import`)
// and the sandbox's demo data write into the built-in ledger: clients, their
// contacts, invoices, loaned equipment, subscriptions and logins.

export interface ImportedClientFacts {
  name: string;
  nameKey: string;
  thirdParty: boolean;
  hostedDatabase: boolean;
}

/** The clients whose refKey (a ref matched without case and accents) is one of `refKeys`. */
export function clientsByRefKey(db: Tx, refKeys: string[]): Promise<{ id: string; refKey: string }[]> {
  return db.client.findMany({ where: { refKey: { in: refKeys } }, select: { id: true, refKey: true } });
}

export function updateClientFacts(db: Tx, id: string, facts: ImportedClientFacts): Promise<{ id: string }> {
  return db.client.update({ where: { id }, data: facts, select: { id: true } });
}

export function createClient(db: Tx, client: ImportedClientFacts & { ref: string; refKey: string }): Promise<{ id: string }> {
  return db.client.create({ data: client, select: { id: true } });
}

/** Updates the client's primary contact with what is given, or creates it. */
export async function savePrimaryContact(db: Tx, clientId: string, data: { name: string; email?: string; phone?: string }): Promise<void> {
  const primary = await db.contact.findFirst({ where: { clientId, isPrimary: true }, select: { id: true } });
  if (primary) await db.contact.update({ where: { id: primary.id }, data });
  else await db.contact.create({ data: { clientId, isPrimary: true, ...data } });
}

export interface ImportedContact {
  name: string;
  email?: string;
  /** E.164. */
  phone?: string;
  role?: string;
  language?: ContactLanguage;
}

export interface StoredContact {
  id: string;
  clientId: string;
  name: string;
  email: string | null;
  phone: string | null;
  role: string | null;
  language: ContactLanguage | null;
}

/** Every contact of these clients (active or not), oldest first: the import matches rows against them. */
export function contactsOf(db: Tx, clientIds: string[]): Promise<StoredContact[]> {
  return db.contact.findMany({
    where: { clientId: { in: clientIds } },
    select: { id: true, clientId: true, name: true, email: true, phone: true, role: true, language: true },
    orderBy: [{ isPrimary: "desc" }, { createdAt: "asc" }, { id: "asc" }],
  });
}

export async function createContact(db: Tx, clientId: string, data: ImportedContact): Promise<void> {
  await db.contact.create({ data: { clientId, ...data } });
}

/** Sets what is given; leaves the rest (primary or not, active or not) as it is. */
export async function updateContact(db: Tx, id: string, data: ImportedContact): Promise<void> {
  await db.contact.update({ where: { id }, data });
}

export interface ImportedInvoice {
  amountMinor: bigint;
  currency: string;
  dueOn: Date;
  status: "open" | "paid" | "void" | "credited";
}

/** Creates or updates the client's invoice with this number; true when it created it. */
export async function saveInvoice(db: Tx, clientId: string, number: string, data: ImportedInvoice): Promise<boolean> {
  const where = { clientId_number: { clientId, number } };
  const existed = await db.invoice.findUnique({ where, select: { id: true } });
  await db.invoice.upsert({ where, create: { clientId, number, ...data }, update: data });
  return !existed;
}

export interface ImportedEquipment {
  description: string;
  status: "out" | "returned" | "written_off";
}

/** Creates or updates the client's loaned equipment with this serial; true when it created it. */
export async function saveEquipment(db: Tx, clientId: string, serial: string, data: ImportedEquipment): Promise<boolean> {
  const where = { clientId_serial: { clientId, serial } };
  const existed = await db.equipmentLoan.findUnique({ where, select: { id: true } });
  await db.equipmentLoan.upsert({ where, create: { clientId, serial, ...data }, update: data });
  return !existed;
}

/** True when the built-in ledger has no client at all (the sandbox then loads its demo clients). */
export async function ledgerIsEmpty(db: Tx): Promise<boolean> {
  return (await db.client.count()) === 0;
}

/** Subscriptions and login records for clients that already exist (the CSV imports do not carry them); in one transaction, the caller's. */
export async function addServices(db: Tx, services: { clientRef: string; plans: string[]; logins: string[] }[]): Promise<void> {
  for (const service of services) {
    const client = await db.client.findUniqueOrThrow({ where: { ref: service.clientRef }, select: { id: true } });
    if (service.plans.length) await db.subscription.createMany({ data: service.plans.map((plan) => ({ clientId: client.id, plan })) });
    if (service.logins.length) await db.serviceLogin.createMany({ data: service.logins.map((login) => ({ clientId: client.id, login })), skipDuplicates: true });
  }
}

/** Imports into the ledger, on the database or inside a transaction (a file is imported in one). */
export function ledgerImportRepository(db: Tx) {
  return {
    clientsByRefKey: (refKeys: string[]) => clientsByRefKey(db, refKeys),
    updateClientFacts: (id: string, facts: ImportedClientFacts) => updateClientFacts(db, id, facts),
    createClient: (client: ImportedClientFacts & { ref: string; refKey: string }) => createClient(db, client),
    savePrimaryContact: (clientId: string, data: { name: string; email?: string; phone?: string }) => savePrimaryContact(db, clientId, data),
    contactsOf: (clientIds: string[]) => contactsOf(db, clientIds),
    createContact: (clientId: string, data: ImportedContact) => createContact(db, clientId, data),
    updateContact: (id: string, data: ImportedContact) => updateContact(db, id, data),
    saveInvoice: (clientId: string, number: string, data: ImportedInvoice) => saveInvoice(db, clientId, number, data),
    saveEquipment: (clientId: string, serial: string, data: ImportedEquipment) => saveEquipment(db, clientId, serial, data),
    ledgerIsEmpty: () => ledgerIsEmpty(db),
    addServices: (services: { clientRef: string; plans: string[]; logins: string[] }[]) => addServices(db, services),
  };
}

export type LedgerImportRepository = ReturnType<typeof ledgerImportRepository>;
