import type { Label } from "../domain/policy.ts";
import { decisionRefusal } from "../domain/request.ts";
import type { ServiceDeps } from "./deps.ts";

export interface HomeRequest {
  id: string;
  number: number;
  client: string;
  state: string;
}

export interface Home {
  mine: HomeRequest[];
  awaitingMe: HomeRequest[];
  checksOnMe: (HomeRequest & { label: Label })[];
  recentlyInactivated: { name: string; ref: string; at: Date | null; by: string | null }[];
}

const LIMIT = 15;

/** What a person's App Home shows: their requests, what waits on them, what was inactivated lately. */
export async function loadHome(deps: ServiceDeps, userId: string): Promise<Home> {
  const live = await deps.store.home.liveRequests(200);
  const line = (r: (typeof live)[number]): HomeRequest => ({ id: r.id, number: r.number, client: r.client.name, state: r.state });
  const mine = live.filter((r) => r.requestedBy === userId);

  const awaitingMe: HomeRequest[] = [];
  const isApprover = await deps.approvers.isApprover(userId);
  const checksOnMe: Home["checksOnMe"] = [];
  for (const summary of live) {
    const isMine = summary.requestedBy === userId;
    if (!isMine && !isApprover) continue;
    const request = await deps.store.requests.find(summary.id);
    if (!request) continue;
    if (isApprover && awaitingMe.length < LIMIT && decisionRefusal(request, { userId, isApprover }) === null) awaitingMe.push(line(summary));
    if (isMine) {
      for (const definition of request.snapshot.checks) {
        const state = request.checks.find((c) => c.checkId === definition.id);
        if (definition.type === "manual" && definition.required && state?.status !== "done" && checksOnMe.length < LIMIT) {
          checksOnMe.push({ ...line(summary), label: definition.label });
        }
      }
    }
  }

  const recentlyInactivated = await deps.store.home.inactiveClients(10);
  return { mine: mine.slice(0, LIMIT).map(line), awaitingMe, checksOnMe, recentlyInactivated };
}

/** Seed 003's "Active = no" filter: inactive clients, most recently inactivated first. */
export async function inactiveClients(deps: Pick<ServiceDeps, "store">, limit = 100) {
  const [total, clients] = await Promise.all([deps.store.home.countInactiveClients(), deps.store.home.inactiveClients(limit)]);
  return { total, clients };
}

