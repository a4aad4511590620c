import type { Db } from "../db/database.ts";
import { findRequest, type StoredRequest } from "../db/requests.ts";
import type { LadderStepState } from "../domain/dunning.ts";
import { loadLadder } from "./dunning.ts";

/** A message Slack shows for a request: where, what it shows, and the last audit event in its thread. */
export interface ShownPost {
  id: string;
  channel: string;
  ts: string;
  shownHash: string | null;
  threadSeq: bigint;
}

/** Everything the Slack cards show about one request. */
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

export async function loadRequestView(db: Db, requestId: string, now: Date): Promise<RequestView | null> {
  const request = await findRequest(db, requestId);
  if (!request) return null;
  const [client, steps, posts, ladder, stopped, invoicesOnHold] = await Promise.all([
    db.client.findUniqueOrThrow({ where: { id: request.clientId }, select: { id: true, ref: true, name: true, status: true, reactivatedAt: true, reactivatedBy: true, dataDeletedAt: true } }),
    db.executionStep.findMany({ where: { requestId }, orderBy: { position: "asc" }, select: { action: true, status: true, lastError: true } }),
    db.slackPost.findMany({ where: { requestId }, select: { id: true, purpose: true, channel: true, ts: true, shownHash: true, threadSeq: true } }),
    loadLadder(db, requestId),
    db.deactivationRequest.findUniqueOrThrow({ where: { id: requestId }, select: { ladderStoppedAt: true, ladderStoppedBy: true, ladderOutcome: true } }),
    request.snapshot.actions.includes("hold_invoices") ? db.invoice.count({ where: { clientId: request.clientId, onHold: true } }) : Promise.resolve(0),
  ]);
  return {
    request,
    client,
    steps,
    posts: Object.fromEntries(posts.map(({ purpose, ...post }) => [purpose, post])),
    ladder,
    invoicesOnHold,
    now,
    ladderStopped:
      stopped.ladderStoppedAt && stopped.ladderStoppedBy
        ? { at: stopped.ladderStoppedAt, by: stopped.ladderStoppedBy, outcome: stopped.ladderOutcome === "paid" ? "paid" : "answered" }
        : null,
  };
}

/** The request alone (its snapshot, checks and approvals), when a listener needs no more than that. */
export function loadRequest(db: Db, requestId: string): Promise<StoredRequest | null> {
  return findRequest(db, requestId);
}

/** A user's open requests, newest first (for `/deactivate help` and App Home). */
export async function openRequestsOf(db: Db, userId: string, limit = 20) {
  return db.deactivationRequest.findMany({
    where: { requestedBy: userId, state: { in: ["open", "ready", "executing"] } },
    orderBy: { requestedAt: "desc" },
    take: limit,
    select: { id: true, number: true, state: true, client: { select: { name: true, ref: true } } },
  });
}
