import type { LadderStepState } from "../domain/dunning.ts";
import type { Tx } from "./database.ts";
import { toDomain, withParts, type StoredRequest } from "./requests.ts";

/** A message Slack shows for a request: where, what it shows, and the last audit event in its thread. */
export interface ShownPost {
  id: string;
  channel: string;
  ts: string;
  shownHash: string | null;
  threadSeq: bigint;
}

/** Everything the Slack cards show about one request (the read model the views render). */
export interface RequestView {
  request: StoredRequest;
  client: { id: string; ref: string; name: string; status: "active" | "inactive"; reactivatedAt: Date | null; reactivatedBy: string | null; dataDeletedAt: Date | null };
  steps: { action: string; status: "pending" | "running" | "done" | "failed"; lastError: string | null }[];
  posts: Partial<Record<"card" | "approval", ShownPost>>;
  ladder: LadderStepState[];
  /** The client's invoices on hold now (seed 003: released by hand after a reactivation). */
  invoicesOnHold: number;
  ladderStopped: { at: Date; by: string; outcome: "answered" | "paid" } | null;
  /** When the view was loaded: what is due or scheduled is judged against it. */
  now: Date;
}

const CLIENT = { id: true, ref: true, name: true, status: true, reactivatedAt: true, reactivatedBy: true, dataDeletedAt: true } as const;

/** The request and all its cards show, in one query (the relations are joined in the database). */
export async function loadRequestView(db: Tx, requestId: string, now: Date): Promise<RequestView | null> {
  const row = await db.deactivationRequest.findUnique({
    where: { id: requestId },
    include: {
      ...withParts,
      client: { select: { ...CLIENT, _count: { select: { invoices: { where: { onHold: true } } } } } },
      steps: { orderBy: { position: "asc" }, select: { action: true, status: true, lastError: true } },
      slackPosts: { select: { id: true, purpose: true, channel: true, ts: true, shownHash: true, threadSeq: true } },
      ladder: { orderBy: { position: "asc" } },
    },
  });
  if (!row) return null;
  const request = toDomain(row);
  const { _count, ...client } = row.client;
  return {
    request,
    client,
    steps: row.steps,
    posts: Object.fromEntries(row.slackPosts.map(({ purpose, ...post }) => [purpose, post])),
    ladder: row.ladder.map((s) => ({ stepId: s.stepId, position: s.position, dueAt: s.dueAt, owner: s.owner, doneAt: s.doneAt, doneBy: s.doneBy, evidence: s.evidence, snoozedUntil: s.snoozedUntil, reminders: s.reminders })),
    invoicesOnHold: request.snapshot.actions.includes("hold_invoices") ? _count.invoices : 0,
    now,
    ladderStopped:
      row.ladderStoppedAt && row.ladderStoppedBy ? { at: row.ladderStoppedAt, by: row.ladderStoppedBy, outcome: row.ladderOutcome === "paid" ? "paid" : "answered" } : null,
  };
}

/** A user's open requests, newest first (for `/deactivate help` and App Home). */
export async function openRequestsOf(db: Tx, userId: string, limit = 20) {
  return db.deactivationRequest.findMany({
    where: { requestedBy: userId, state: { in: ["open", "ready", "executing"] } },
    orderBy: { requestedAt: "desc" },
    take: limit,
    select: { id: true, number: true, state: true, client: { select: { name: true, ref: true } } },
  });
}

/** What Slack shows about requests (the cards' read model), on the database or inside a transaction. */
export function requestViewRepository(db: Tx) {
  return {
    load: (requestId: string, now: Date) => loadRequestView(db, requestId, now),
    openRequestsOf: (userId: string, limit?: number) => openRequestsOf(db, userId, limit),
  };
}

export type RequestViewRepository = ReturnType<typeof requestViewRepository>;
