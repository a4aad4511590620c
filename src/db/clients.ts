import type { ClientStatus, RequestState, SubscriptionStatus } from "../generated/prisma/client.ts";
import type { ContactLanguage } from "../domain/contacts.ts";
import { searchKey } from "../domain/text.ts";
import type { Db, Tx } from "./database.ts";

/**
 * Clients as Offboard keeps them: what the services read and change about one
 * (a lock while a request opens, its data deleted), and what people look at
 * without Slack or SQL (`offboard clients list|show`, reads only).
 */

/** What the services need to know about one client. */
export interface ClientSummary {
  id: string;
  ref: string;
  name: string;
  status: ClientStatus;
  dataDeletedAt: Date | null;
}

const SUMMARY = { id: true, ref: true, name: true, status: true, dataDeletedAt: true } as const;

/** Locks the client's row until the transaction ends (one live request per client: it serialises concurrent openings). */
export async function lockClient(tx: Tx, id: string): Promise<void> {
  await tx.$queryRaw`SELECT "id" FROM "Client" WHERE "id" = ${id}::uuid FOR UPDATE`;
}

export function findClient(db: Db | Tx, id: string): Promise<ClientSummary | null> {
  return db.client.findUnique({ where: { id }, select: SUMMARY });
}

/** A client that must exist (a request's): throws when it does not. */
export function getClient(db: Db | Tx, id: string): Promise<ClientSummary> {
  return db.client.findUniqueOrThrow({ where: { id }, select: SUMMARY });
}

/** The client's data is deleted (once: a second deletion keeps the first date). */
export async function markDataDeleted(db: Db | Tx, id: string, at: Date): Promise<void> {
  await db.client.updateMany({ where: { id, dataDeletedAt: null }, data: { dataDeletedAt: at } });
}

/** One line of the client list. A client has at most one open request (a unique index says so). */
export interface ClientInList {
  id: string;
  ref: string;
  name: string;
  status: ClientStatus;
  inactivatedAt: Date | null;
  inactivatedBy: string | null;
  openRequest: { number: number; state: RequestState } | null;
}

const listFields = {
  id: true,
  ref: true,
  name: true,
  status: true,
  inactivatedAt: true,
  inactivatedBy: true,
  liveRequest: { select: { number: true, state: true } },
} as const;

/**
 * Clients by name (then ref), or exactly the clients `ids` names in that order
 * (a search's ranking); `inactiveOnly` keeps the inactive ones.
 */
export async function listClients(db: Db | Tx, options: { inactiveOnly?: boolean; ids?: string[] } = {}): Promise<ClientInList[]> {
  const where = { ...(options.inactiveOnly ? { status: "inactive" as const } : {}), ...(options.ids ? { id: { in: options.ids } } : {}) };
  const rows = await db.client.findMany({ where, select: listFields, orderBy: [{ nameKey: "asc" }, { refKey: "asc" }] });
  const listed = rows.map(({ liveRequest, ...client }) => ({ ...client, openRequest: liveRequest }));
  if (!options.ids) return listed;
  const position = new Map(options.ids.map((id, i) => [id, i]));
  return listed.sort((a, b) => position.get(a.id)! - position.get(b.id)!);
}

export function countClients(db: Db | Tx): Promise<number> {
  return db.client.count();
}

/** The refs nearest to `ref` by spelling (trigrams on ref and name), nearest first: for "no client with ref X (closest: …)". */
export async function closestRefs(db: Db | Tx, ref: string, limit = 3): Promise<string[]> {
  const key = searchKey(ref);
  if (!key) return [];
  const rows = await db.$queryRaw<{ ref: string }[]>`
    SELECT "ref" FROM "Client"
    WHERE greatest(similarity("refKey", ${key}), similarity("nameKey", ${key})) > 0
    ORDER BY greatest(similarity("refKey", ${key}), similarity("nameKey", ${key})) DESC, "refKey"
    LIMIT ${limit}`;
  return rows.map((r) => r.ref);
}

/** Everything Offboard knows about one client, for `offboard clients show`. */
export interface ClientFile {
  client: {
    id: string;
    ref: string;
    name: string;
    status: ClientStatus;
    thirdParty: boolean;
    hostedDatabase: boolean;
    inactivatedAt: Date | null;
    inactivatedBy: string | null;
    inactivationReason: string | null;
    reactivatedAt: Date | null;
    reactivatedBy: string | null;
    dataDeletedAt: Date | null;
  };
  /** The primary contact first, then in the order they were imported; inactive ones (deactivated, or scrubbed) too. */
  contacts: { name: string; email: string | null; phone: string | null; role: string | null; language: ContactLanguage | null; isPrimary: boolean; active: boolean }[];
  openInvoices: {
    number: string;
    amountMinor: bigint;
    currency: string;
    /** YYYY-MM-DD. */
    dueOn: string;
    onHold: boolean;
    heldAt: Date | null;
    sentToCollectionsAt: Date | null;
  }[];
  equipmentOut: { serial: string; description: string }[];
  subscriptions: { plan: string; status: SubscriptionStatus; cancelledAt: Date | null; cancelledBy: string | null }[];
  loginRecords: { login: string; createdAt: Date }[];
  requests: {
    number: number;
    kind: string;
    state: RequestState;
    requestedAt: Date;
    /** YYYY-MM-DD: the day the client asked. */
    requestedOn: string;
    requestedBy: string;
    executedAt: Date | null;
    executedBy: string | null;
    closedAt: Date | null;
    closedBy: string | null;
    closeReason: string | null;
  }[];
  /** The client's audit events, oldest first: those about it and those of its requests. */
  auditEvents: { seq: bigint; at: Date; actor: string; action: string; requestNumber: number | null }[];
}

/**
 * The client whose ref matches `ref` as imports match it (without case or
 * accents), with its contacts, open invoices, equipment out, subscriptions,
 * login records, requests and audit events, read in one snapshot.
 */
export async function findClientFile(db: Db, ref: string): Promise<ClientFile | null> {
  return db.$transaction(
    async (tx) => {
      const client = await tx.client.findUnique({
        where: { refKey: searchKey(ref) },
        select: {
          id: true,
          ref: true,
          name: true,
          status: true,
          thirdParty: true,
          hostedDatabase: true,
          inactivatedAt: true,
          inactivatedBy: true,
          inactivationReason: true,
          reactivatedAt: true,
          reactivatedBy: true,
          dataDeletedAt: true,
        },
      });
      if (!client) return null;
      const clientId = client.id;
      const [contacts, invoices, equipmentOut, subscriptions, loginRecords, requests] = [
        await tx.contact.findMany({
          where: { clientId },
          select: { name: true, email: true, phone: true, role: true, language: true, isPrimary: true, active: true },
          orderBy: [{ isPrimary: "desc" }, { createdAt: "asc" }, { name: "asc" }, { id: "asc" }],
        }),
        await tx.invoice.findMany({
          where: { clientId, status: "open" },
          select: { number: true, amountMinor: true, currency: true, dueOn: true, onHold: true, heldAt: true, sentToCollectionsAt: true },
          orderBy: [{ dueOn: "asc" }, { number: "asc" }],
        }),
        await tx.equipmentLoan.findMany({ where: { clientId, status: "out" }, select: { serial: true, description: true }, orderBy: { serial: "asc" } }),
        await tx.subscription.findMany({ where: { clientId }, select: { plan: true, status: true, cancelledAt: true, cancelledBy: true }, orderBy: [{ createdAt: "asc" }, { plan: "asc" }] }),
        await tx.serviceLogin.findMany({ where: { clientId }, select: { login: true, createdAt: true }, orderBy: { login: "asc" } }),
        await tx.deactivationRequest.findMany({
          where: { clientId },
          select: {
            id: true,
            number: true,
            kind: true,
            state: true,
            requestedAt: true,
            requestedOn: true,
            requestedBy: true,
            executedAt: true,
            executedBy: true,
            closedAt: true,
            closedBy: true,
            closeReason: true,
          },
          orderBy: { number: "asc" },
        }),
      ];
      const numberOf = new Map(requests.map((r) => [r.id, r.number]));
      const events = await tx.auditEvent.findMany({
        where: { OR: [{ clientId }, ...(requests.length ? [{ requestId: { in: requests.map((r) => r.id) } }] : [])] },
        select: { seq: true, at: true, actor: true, action: true, requestId: true },
        orderBy: { seq: "asc" },
      });
      return {
        client,
        contacts,
        openInvoices: invoices.map(({ dueOn, ...invoice }) => ({ ...invoice, dueOn: dueOn.toISOString().slice(0, 10) })),
        equipmentOut,
        subscriptions,
        loginRecords,
        requests: requests.map(({ id: _id, requestedOn, ...request }) => ({ ...request, requestedOn: requestedOn.toISOString().slice(0, 10) })),
        auditEvents: events.map(({ requestId, ...event }) => ({ ...event, requestNumber: requestId ? (numberOf.get(requestId) ?? null) : null })),
      };
    },
    // One snapshot: on PostgreSQL the bot may be changing the client while it is read.
    { isolationLevel: "RepeatableRead" },
  );
}

/** Clients, on the database or inside a transaction. */
export function clientRepository(db: Tx) {
  return {
    lock: (id: string) => lockClient(db, id),
    find: (id: string) => findClient(db, id),
    get: (id: string) => getClient(db, id),
    markDataDeleted: (id: string, at: Date) => markDataDeleted(db, id, at),
  };
}

export type ClientRepository = ReturnType<typeof clientRepository>;
