import { LIVE_STATES } from "../domain/request.ts";
import type { Tx } from "./database.ts";

// What App Home lists: the live requests, and the clients inactivated lately.

export interface LiveRequestLine {
  id: string;
  number: number;
  state: string;
  requestedBy: string;
  client: { name: string };
}

export interface InactiveClientLine {
  name: string;
  ref: string;
  at: Date | null;
  by: string | null;
}

/** The live requests (open, ready, executing), newest first. */
export function liveRequests(db: Tx, limit: number): Promise<LiveRequestLine[]> {
  return db.deactivationRequest.findMany({
    where: { state: { in: [...LIVE_STATES] } },
    orderBy: { requestedAt: "desc" },
    take: limit,
    select: { id: true, number: true, state: true, requestedBy: true, client: { select: { name: true } } },
  });
}

/** Inactive clients, most recently inactivated first. */
export async function inactiveClients(db: Tx, limit: number): Promise<InactiveClientLine[]> {
  const clients = await db.client.findMany({
    where: { status: "inactive" },
    orderBy: { inactivatedAt: { sort: "desc", nulls: "last" } },
    take: limit,
    select: { name: true, ref: true, inactivatedAt: true, inactivatedBy: true },
  });
  return clients.map((c) => ({ name: c.name, ref: c.ref, at: c.inactivatedAt, by: c.inactivatedBy }));
}

export function countInactiveClients(db: Tx): Promise<number> {
  return db.client.count({ where: { status: "inactive" } });
}

/** App Home's lists, on the database or inside a transaction. */
export function homeRepository(db: Tx) {
  return {
    liveRequests: (limit: number) => liveRequests(db, limit),
    inactiveClients: (limit: number) => inactiveClients(db, limit),
    countInactiveClients: () => countInactiveClients(db),
  };
}

export type HomeRepository = ReturnType<typeof homeRepository>;
