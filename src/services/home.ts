import { findRequest } from "../db/requests.ts";
import type { Label } from "../domain/policy.ts";
import { decisionRefusal, LIVE_STATES } from "../domain/request.ts";
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
  const live = await deps.db.deactivationRequest.findMany({
    where: { state: { in: [...LIVE_STATES] } },
    orderBy: { requestedAt: "desc" },
    take: 200,
    select: { id: true, number: true, state: true, requestedBy: true, client: { select: { name: true } } },
  });
  const line = (r: (typeof live)[number]): HomeRequest => ({ id: r.id, number: r.number, client: r.client.name, state: r.state });
  const mine = live.filter((r) => r.requestedBy === userId);

  const awaitingMe: HomeRequest[] = [];
  const isApprover = await deps.approvers.isApprover(userId);
  const checksOnMe: Home["checksOnMe"] = [];
  for (const summary of live) {
    const isMine = summary.requestedBy === userId;
    if (!isMine && !isApprover) continue;
    const request = await findRequest(deps.db, summary.id);
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

  const recentlyInactivated = await deps.db.client.findMany({
    where: { status: "inactive" },
    orderBy: { inactivatedAt: { sort: "desc", nulls: "last" } },
    take: 10,
    select: { name: true, ref: true, inactivatedAt: true, inactivatedBy: true },
  });
  return {
    mine: mine.slice(0, LIMIT).map(line),
    awaitingMe,
    checksOnMe,
    recentlyInactivated: recentlyInactivated.map((c) => ({ name: c.name, ref: c.ref, at: c.inactivatedAt, by: c.inactivatedBy })),
  };
}

/** Seed 003's "Active = no" filter: inactive clients, most recently inactivated first. */
export async function inactiveClients(deps: Pick<ServiceDeps, "db">, limit = 100) {
  const [total, clients] = await Promise.all([
    deps.db.client.count({ where: { status: "inactive" } }),
    deps.db.client.findMany({
      where: { status: "inactive" },
      orderBy: { inactivatedAt: { sort: "desc", nulls: "last" } },
      take: limit,
      select: { name: true, ref: true, inactivatedAt: true, inactivatedBy: true },
    }),
  ]);
  return { total, clients: clients.map((c) => ({ name: c.name, ref: c.ref, at: c.inactivatedAt, by: c.inactivatedBy })) };
}

