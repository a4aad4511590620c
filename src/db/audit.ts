import { createHash } from "node:crypto";
import { canonicalJson } from "../domain/canonical-json.ts";
import { withoutNul } from "../domain/text.ts";
import type { AuditAction, AuditDraft } from "../domain/events.ts";
import type { Tx } from "./database.ts";
import { PUBLICATION_GRACE_MS } from "./publications.ts";

export { canonicalJson };

export const GENESIS_HASH = "0".repeat(64);

/** An event to append: who, when, what it concerns, and its action's data in that action's shape (domain/events.ts). */
export type AuditInput = {
  at: Date;
  /** A Slack user id, `system`, or `cli:<user>`. */
  actor: string;
  requestId?: string | null;
  clientId?: string | null;
} & AuditDraft;

export interface AuditRecord {
  seq: bigint;
  at: Date;
  actor: string;
  action: string;
  requestId: string | null;
  clientId: string | null;
  data: unknown;
  prevHash: string;
  hash: string;
}

export function hashEvent(event: Omit<AuditRecord, "hash">): string {
  const body = canonicalJson({
    seq: event.seq.toString(),
    at: event.at,
    actor: event.actor,
    action: event.action,
    requestId: event.requestId,
    clientId: event.clientId,
    data: event.data,
    prevHash: event.prevHash,
  });
  return createHash("sha256").update(event.prevHash).update("\n").update(body).digest("hex");
}

/**
 * Appends events to the trail inside the caller's transaction. The chain's head
 * row is locked first, so concurrent writers queue up: sequence numbers have no
 * gaps (a rolled-back transaction gives its numbers back) and each event
 * carries the hash of the one before. The requests they concern are marked
 * for publication in the same transaction (a crash after the commit cannot
 * leave Slack stale: the scheduler's sweep shows them).
 */
export async function appendAudit(tx: Tx, events: AuditInput[]): Promise<AuditRecord[]> {
  if (events.length === 0) return [];
  const [head] = await tx.$queryRaw<{ seq: bigint; hash: string }[]>`
    SELECT "seq", "hash" FROM "AuditChain" WHERE "id" = 1 FOR UPDATE`;
  if (!head) throw new Error("the audit chain has no head row: run `offboard migrate`");
  let seq = BigInt(head.seq);
  let prevHash = head.hash;
  const records: AuditRecord[] = [];
  for (const input of events) {
    seq += 1n;
    const unhashed = {
      seq,
      at: input.at,
      actor: input.actor,
      action: input.action,
      requestId: input.requestId ?? null,
      clientId: input.clientId ?? null,
      // Stored exactly as hashed.
      data: JSON.parse(canonicalJson(deepWithoutNul(input.data ?? {}))) as unknown,
      prevHash,
    };
    const record = { ...unhashed, hash: hashEvent(unhashed) };
    records.push(record);
    prevHash = record.hash;
  }
  // One statement writes the events, moves the chain's head and marks the
  // requests they concern for Slack: whatever a request's trail gains, Slack
  // must show, marked here so no service can forget it.
  const shown = [...new Set(records.filter((r) => r.requestId !== null).map((r) => r.requestId!))];
  const latest = Math.max(...records.map((r) => r.at.getTime()));
  const rows = JSON.stringify(records.map((r) => ({ ...r, seq: r.seq.toString(), at: r.at.toISOString() })));
  await tx.$executeRaw`
    WITH events AS (
      INSERT INTO "AuditEvent" ("seq", "at", "actor", "action", "requestId", "clientId", "data", "prevHash", "hash")
      SELECT (e->>'seq')::bigint, (e->>'at')::timestamptz, e->>'actor', e->>'action', (e->>'requestId')::uuid, (e->>'clientId')::uuid, e->'data', e->>'prevHash', e->>'hash'
      FROM jsonb_array_elements(${rows}::jsonb) AS e
    ), head AS (
      UPDATE "AuditChain" SET "seq" = ${seq}, "hash" = ${prevHash} WHERE "id" = 1
    )
    INSERT INTO "Publication" AS p ("requestId", "dirty", "leaseUntil")
    SELECT r::uuid, true, ${new Date(latest + PUBLICATION_GRACE_MS)} FROM jsonb_array_elements_text(${JSON.stringify(shown)}::jsonb) AS r
    ON CONFLICT ("requestId") DO UPDATE SET "dirty" = true, "leaseUntil" = COALESCE(p."leaseUntil", EXCLUDED."leaseUntil")`;
  return records;
}

export type VerifyResult =
  | { ok: true; events: number; lastSeq: bigint }
  | { ok: false; events: number; seq: bigint; problem: string };

/** Recomputes the whole chain: any edited, removed or inserted event breaks it. */
export async function verifyAudit(db: Tx, pageSize = 2000): Promise<VerifyResult> {
  let expectedSeq = 1n;
  let prevHash = GENESIS_HASH;
  let count = 0;
  for (;;) {
    const page = await db.auditEvent.findMany({ where: { seq: { gte: expectedSeq } }, orderBy: { seq: "asc" }, take: pageSize });
    for (const row of page) {
      if (row.seq !== expectedSeq) {
        return { ok: false, events: count, seq: expectedSeq, problem: `event ${expectedSeq} is missing (next is ${row.seq})` };
      }
      if (row.prevHash !== prevHash) {
        return { ok: false, events: count, seq: row.seq, problem: `event ${row.seq} does not follow event ${row.seq - 1n}` };
      }
      if (hashEvent(row) !== row.hash) {
        return { ok: false, events: count, seq: row.seq, problem: `event ${row.seq} was changed after it was written` };
      }
      prevHash = row.hash;
      expectedSeq += 1n;
      count += 1;
    }
    if (page.length < pageSize) break;
  }
  const head = await db.auditChain.findUnique({ where: { id: 1 } });
  const lastSeq = expectedSeq - 1n;
  if (!head || head.seq !== lastSeq || head.hash !== prevHash) {
    return { ok: false, events: count, seq: lastSeq + 1n, problem: `the chain's head (event ${head?.seq ?? "?"}) does not match its last event (${lastSeq}): events were removed` };
  }
  return { ok: true, events: count, lastSeq };
}

/** The `data` of the events with this action about a request or a client, oldest first (how attempts are counted). */
export async function eventData(db: Tx, where: { requestId?: string; clientId?: string }, action: string): Promise<unknown[]> {
  const rows = await db.auditEvent.findMany({ where: { ...where, action }, select: { data: true } });
  return rows.map((r) => r.data);
}

/** Whether the request's trail holds an event with this action. */
export async function hasEvent(db: Tx, requestId: string, action: string): Promise<boolean> {
  return (await db.auditEvent.findFirst({ where: { requestId, action }, select: { seq: true } })) !== null;
}

/** Up to `limit` events after `after` (by seq), at or after `from` and before `to`, oldest first (the export's pages). */
export function eventsPage(db: Tx, after: bigint, range: { from?: Date; to?: Date }, limit: number) {
  return db.auditEvent.findMany({
    where: { seq: { gt: after }, at: { ...(range.from ? { gte: range.from } : {}), ...(range.to ? { lt: range.to } : {}) } },
    orderBy: { seq: "asc" },
    take: limit,
  });
}

/** The audit trail, on the database or inside a transaction (append belongs inside the change's transaction). */
export function auditRepository(db: Tx) {
  return {
    append: (events: AuditInput[]) => appendAudit(db, events),
    eventData: (where: { requestId?: string; clientId?: string }, action: AuditAction) => eventData(db, where, action),
    hasEvent: (requestId: string, action: AuditAction) => hasEvent(db, requestId, action),
    verify: (pageSize?: number) => verifyAudit(db, pageSize),
  };
}

export type AuditRepository = ReturnType<typeof auditRepository>;

/** A forged value quoted in an event loses its NUL characters rather than the event. */
function deepWithoutNul(value: unknown): unknown {
  if (typeof value === "string") return withoutNul(value);
  if (Array.isArray(value)) return value.map(deepWithoutNul);
  if (value && typeof value === "object" && !(value instanceof Date)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [withoutNul(k), deepWithoutNul(v)]));
  return value;
}
