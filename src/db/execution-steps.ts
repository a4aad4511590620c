import type { Prisma } from "../generated/prisma/client.ts";
import type { Tx } from "./database.ts";

// The steps of an execution: one per policy action, each with its
// idempotency key, claimed under a lease while a process runs it.

export interface ExecutionStep {
  id: string;
  action: string;
  position: number;
  idempotencyKey: string;
  status: "pending" | "running" | "done" | "failed";
}

const STEP = { id: true, action: true, position: true, idempotencyKey: true, status: true } as const;

/** The steps an execution runs, in order, each keyed `<request id>:<action>` (created once: a retry keeps them). */
export async function createSteps(tx: Tx, requestId: string, actions: readonly string[]): Promise<void> {
  await tx.executionStep.createMany({
    data: actions.map((action, position) => ({ requestId, action, position, idempotencyKey: `${requestId}:${action}` })),
    skipDuplicates: true,
  });
}

export function listSteps(tx: Tx, requestId: string): Promise<ExecutionStep[]> {
  return tx.executionStep.findMany({ where: { requestId }, orderBy: { position: "asc" }, select: STEP });
}

/** Until when another process still holds one of the request's steps, or null when none is held at `now`. */
export async function heldUntil(tx: Tx, requestId: string, now: Date): Promise<Date | null> {
  const held = await tx.executionStep.findFirst({ where: { requestId, status: "running", leaseUntil: { gt: now } }, select: { leaseUntil: true } });
  return held?.leaseUntil ?? null;
}

/** Takes a step to run it until `leaseUntil`: when it is pending or failed, or its holder's lease has passed. False when another process holds it (or it is done). */
export async function claimStep(tx: Tx, stepId: string, now: Date, leaseUntil: Date): Promise<boolean> {
  const { count } = await tx.executionStep.updateMany({
    where: { id: stepId, OR: [{ status: { in: ["pending", "failed"] } }, { status: "running", leaseUntil: { lte: now } }] },
    data: { status: "running", leaseUntil, attempts: { increment: 1 } },
  });
  return count === 1;
}

export async function stepStatus(tx: Tx, stepId: string): Promise<ExecutionStep["status"]> {
  return (await tx.executionStep.findUniqueOrThrow({ where: { id: stepId }, select: { status: true } })).status;
}

export async function markStepFailed(tx: Tx, stepId: string, error: string): Promise<void> {
  await tx.executionStep.update({ where: { id: stepId }, data: { status: "failed", leaseUntil: null, lastError: error } });
}

/** Done, with what the system of record answered. */
export async function markStepDone(tx: Tx, stepId: string, result: object, at: Date): Promise<void> {
  await tx.executionStep.update({ where: { id: stepId }, data: { status: "done", leaseUntil: null, lastError: null, result: result as Prisma.InputJsonValue, completedAt: at } });
}

/** Execution steps, on the database or inside a transaction. */
export function executionStepRepository(db: Tx) {
  return {
    create: (requestId: string, actions: readonly string[]) => createSteps(db, requestId, actions),
    list: (requestId: string) => listSteps(db, requestId),
    heldUntil: (requestId: string, now: Date) => heldUntil(db, requestId, now),
    claim: (stepId: string, now: Date, leaseUntil: Date) => claimStep(db, stepId, now, leaseUntil),
    status: (stepId: string) => stepStatus(db, stepId),
    markFailed: (stepId: string, error: string) => markStepFailed(db, stepId, error),
    markDone: (stepId: string, result: object, at: Date) => markStepDone(db, stepId, result, at),
  };
}

export type ExecutionStepRepository = ReturnType<typeof executionStepRepository>;
