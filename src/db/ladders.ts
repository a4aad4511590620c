import type { LadderOutcome, LadderStepState } from "../domain/dunning.ts";
import type { Tx } from "./database.ts";

// A request's dunning ladder: its steps (collection emails, a phone call, the
// final notice), and whether the client answered or paid (the ladder stopped).

type LadderStepRow = Pick<LadderStepState, keyof LadderStepState>;

function toState(row: LadderStepRow): LadderStepState {
  return { stepId: row.stepId, position: row.position, dueAt: row.dueAt, owner: row.owner, doneAt: row.doneAt, doneBy: row.doneBy, evidence: row.evidence, snoozedUntil: row.snoozedUntil, reminders: row.reminders };
}

/** The request's ladder, in order. */
export async function loadLadder(tx: Tx, requestId: string): Promise<LadderStepState[]> {
  return (await tx.ladderStep.findMany({ where: { requestId }, orderBy: { position: "asc" } })).map(toState);
}

/** The steps a new request's ladder starts with. */
export async function createLadder(tx: Tx, requestId: string, steps: Pick<LadderStepState, "stepId" | "position" | "dueAt" | "owner">[]): Promise<void> {
  await tx.ladderStep.createMany({ data: steps.map((s) => ({ requestId, stepId: s.stepId, position: s.position, dueAt: s.dueAt, owner: s.owner })) });
}

/** Writes what changed about one step (done, snoozed, reassigned, reminded). */
export async function updateStep(
  tx: Tx,
  requestId: string,
  stepId: string,
  change: Partial<Pick<LadderStepState, "doneAt" | "doneBy" | "evidence" | "snoozedUntil" | "owner" | "reminders">>,
): Promise<void> {
  await tx.ladderStep.update({ where: { requestId_stepId: { requestId, stepId } }, data: change });
}

/** When the ladder stopped (the client answered or paid), or null while it runs. */
export async function ladderStoppedAt(tx: Tx, requestId: string): Promise<Date | null> {
  return (await tx.deactivationRequest.findUniqueOrThrow({ where: { id: requestId }, select: { ladderStoppedAt: true } })).ladderStoppedAt;
}

/** Stops the ladder: the client answered or paid. */
export async function stopLadder(tx: Tx, requestId: string, stop: { at: Date; by: string; outcome: LadderOutcome }): Promise<void> {
  await tx.deactivationRequest.update({ where: { id: requestId }, data: { ladderStoppedAt: stop.at, ladderStoppedBy: stop.by, ladderOutcome: stop.outcome } });
}

/** Dunning ladders, on the database or inside a transaction. */
export function ladderRepository(db: Tx) {
  return {
    steps: (requestId: string) => loadLadder(db, requestId),
    create: (requestId: string, steps: Pick<LadderStepState, "stepId" | "position" | "dueAt" | "owner">[]) => createLadder(db, requestId, steps),
    updateStep: (requestId: string, stepId: string, change: Parameters<typeof updateStep>[3]) => updateStep(db, requestId, stepId, change),
    stoppedAt: (requestId: string) => ladderStoppedAt(db, requestId),
    stop: (requestId: string, stop: { at: Date; by: string; outcome: LadderOutcome }) => stopLadder(db, requestId, stop),
  };
}

export type LadderRepository = ReturnType<typeof ladderRepository>;
