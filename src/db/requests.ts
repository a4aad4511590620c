import { z } from "zod";
import { sameJson } from "../domain/canonical-json.ts";
import { ErrorCode, OffboardError } from "../domain/errors.ts";
import { LIVE_STATES, type DeactivationRequest, type NewRequest } from "../domain/request.ts";
import { snapshotSchema } from "../domain/snapshot.ts";
import { Prisma } from "../generated/prisma/client.ts";
import type { Tx } from "./database.ts";

const detailSchema = z.record(z.string(), z.unknown()).nullable();

export const withParts = {
  checks: { orderBy: { position: "asc" } },
  approvals: { orderBy: { decidedAt: "asc" } },
} as const satisfies Prisma.DeactivationRequestInclude;

export type RequestRow = Prisma.DeactivationRequestGetPayload<{ include: typeof withParts }>;

export interface StoredRequest extends DeactivationRequest {
  number: number;
}

export function toDomain(row: RequestRow): StoredRequest {
  return {
    id: row.id,
    number: row.number,
    clientId: row.clientId,
    kind: row.kind,
    state: row.state,
    version: row.version,
    requestedBy: row.requestedBy,
    requestedAt: row.requestedAt,
    requestedOn: row.requestedOn.toISOString().slice(0, 10),
    reason: row.reason,
    askedBy: row.askedBy,
    confirmation: row.confirmation,
    thirdPartyInvolved: row.thirdPartyInvolved,
    notes: row.notes,
    snapshot: snapshotSchema.parse(row.policySnapshot),
    checks: row.checks.map((c) => ({
      checkId: c.checkId,
      status: c.status,
      tickedBy: c.tickedBy,
      tickedAt: c.tickedAt,
      evidence: c.evidence,
      detail: detailSchema.parse(c.detail ?? null),
      checkedAt: c.checkedAt,
    })),
    approvals: row.approvals.map((a) => ({ approverId: a.approverId, decision: a.decision, reason: a.reason, decidedAt: a.decidedAt })),
    closedAt: row.closedAt,
    closedBy: row.closedBy,
    closeReason: row.closeReason,
    executedAt: row.executedAt,
    executedBy: row.executedBy,
  };
}

export async function findRequest(tx: Tx, id: string): Promise<StoredRequest | null> {
  const row = await tx.deactivationRequest.findUnique({ where: { id }, include: withParts });
  return row ? toDomain(row) : null;
}

/**
 * Loads a request and locks its row until the transaction ends: concurrent
 * changes to one request (double clicks, two approvers) run one after the other.
 */
export async function lockRequest(tx: Tx, id: string): Promise<StoredRequest | null> {
  const locked = await tx.$queryRaw<{ id: string }[]>`SELECT "id" FROM "DeactivationRequest" WHERE "id" = ${id}::uuid FOR UPDATE`;
  return locked.length === 0 ? null : findRequest(tx, id);
}

/**
 * For a change: locks the request's row, then reads it with its checks and
 * approvals in one query, and whether its client's data is already deleted
 * (after deletion nothing about a request changes any more).
 */
export async function lockRequestForChange(tx: Tx, id: string): Promise<{ request: StoredRequest; dataDeleted: boolean } | null> {
  const locked = await tx.$queryRaw<{ id: string }[]>`SELECT "id" FROM "DeactivationRequest" WHERE "id" = ${id}::uuid FOR UPDATE`;
  if (locked.length === 0) return null;
  const row = await tx.deactivationRequest.findUnique({ where: { id }, include: { ...withParts, client: { select: { dataDeletedAt: true } } } });
  return row ? { request: toDomain(row), dataDeleted: row.client.dataDeletedAt !== null } : null;
}

export async function findLiveRequestFor(tx: Tx, clientId: string): Promise<StoredRequest | null> {
  const row = await tx.deactivationRequest.findUnique({ where: { liveClientId: clientId }, include: withParts });
  return row ? toDomain(row) : null;
}

/** The request a form submission opened, if it was already taken (Slack retried it, or it was sent twice). */
export async function findBySubmission(tx: Tx, submissionKey: string): Promise<StoredRequest | null> {
  const row = await tx.deactivationRequest.findUnique({ where: { submissionKey }, include: withParts });
  return row ? toDomain(row) : null;
}

export async function findLastExecutedFor(tx: Tx, clientId: string): Promise<StoredRequest | null> {
  const row = await tx.deactivationRequest.findFirst({
    where: { clientId, state: "executed" },
    orderBy: { executedAt: "desc" },
    include: withParts,
  });
  return row ? toDomain(row) : null;
}

/** `submissionKey`: the form that opened it, so a retried submission finds it (unique). */
export async function insertRequest(tx: Tx, request: NewRequest, submissionKey: string | null = null): Promise<StoredRequest> {
  const row = await tx.deactivationRequest.create({
    data: {
      submissionKey,
      clientId: request.clientId,
      liveClientId: LIVE_STATES.includes(request.state) ? request.clientId : null,
      kind: request.kind,
      state: request.state,
      requestedBy: request.requestedBy,
      requestedAt: request.requestedAt,
      requestedOn: new Date(`${request.requestedOn}T00:00:00Z`),
      reason: request.reason,
      askedBy: request.askedBy,
      confirmation: request.confirmation,
      thirdPartyInvolved: request.thirdPartyInvolved,
      notes: request.notes,
      policySnapshot: request.snapshot as unknown as Prisma.InputJsonValue,
      checks: {
        create: request.checks.map((c, position) => ({
          checkId: c.checkId,
          position,
          status: c.status,
          tickedBy: c.tickedBy,
          tickedAt: c.tickedAt,
          evidence: c.evidence,
          detail: (c.detail ?? undefined) as Prisma.InputJsonValue | undefined,
          checkedAt: c.checkedAt,
        })),
      },
    },
    include: withParts,
  });
  return toDomain(row);
}

/**
 * Writes what a transition changed. The update is conditional on the version
 * the transition started from; a concurrent change makes it fail, never merge.
 */
export async function saveRequest(tx: Tx, before: DeactivationRequest, after: DeactivationRequest): Promise<void> {
  const { count } = await tx.deactivationRequest.updateMany({
    where: { id: before.id, version: before.version },
    data: {
      state: after.state,
      version: after.version,
      liveClientId: LIVE_STATES.includes(after.state) ? after.clientId : null,
      closedAt: after.closedAt,
      closedBy: after.closedBy,
      closeReason: after.closeReason,
      executedAt: after.executedAt,
      executedBy: after.executedBy,
    },
  });
  if (count !== 1) throw new OffboardError({ code: ErrorCode.RequestChanged, details: { requestId: before.id } });

  for (const check of after.checks) {
    const previous = before.checks.find((c) => c.checkId === check.checkId);
    if (previous && sameJson(previous, check)) continue;
    await tx.check.update({
      where: { requestId_checkId: { requestId: before.id, checkId: check.checkId } },
      data: {
        status: check.status,
        tickedBy: check.tickedBy,
        tickedAt: check.tickedAt,
        evidence: check.evidence,
        detail: check.detail === null ? Prisma.DbNull : (check.detail as Prisma.InputJsonValue),
        checkedAt: check.checkedAt,
      },
    });
  }
  const added = after.approvals.slice(before.approvals.length);
  if (added.length > 0) {
    await tx.approval.createMany({ data: added.map((a) => ({ requestId: before.id, ...a })) });
  }
}

/** Who opened a request, or null when there is no such request. */
export async function requesterOf(tx: Tx, id: string): Promise<string | null> {
  const row = await tx.deactivationRequest.findUnique({ where: { id }, select: { requestedBy: true } });
  return row?.requestedBy ?? null;
}

/** Deactivation requests (with their checks and approvals), on the database or inside a transaction. */
export function requestRepository(db: Tx) {
  return {
    find: (id: string) => findRequest(db, id),
    lock: (id: string) => lockRequest(db, id),
    lockForChange: (id: string) => lockRequestForChange(db, id),
    findLiveFor: (clientId: string) => findLiveRequestFor(db, clientId),
    findBySubmission: (submissionKey: string) => findBySubmission(db, submissionKey),
    findLastExecutedFor: (clientId: string) => findLastExecutedFor(db, clientId),
    insert: (request: NewRequest, submissionKey: string | null = null) => insertRequest(db, request, submissionKey),
    save: (before: DeactivationRequest, after: DeactivationRequest) => saveRequest(db, before, after),
    requesterOf: (id: string) => requesterOf(db, id),
  };
}

export type RequestRepository = ReturnType<typeof requestRepository>;
