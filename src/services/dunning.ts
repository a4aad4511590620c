import { appendAudit } from "../db/audit.ts";
import type { Tx } from "../db/database.ts";
import { lockRequest, type StoredRequest } from "../db/requests.ts";
import { isIsoDate, startOfLocalDay } from "../domain/calendar.ts";
import { addDuration } from "../domain/duration.ts";
import * as ladder from "../domain/dunning.ts";
import { ErrorCode, fail, type Result } from "../domain/errors.ts";
import * as lifecycle from "../domain/request.ts";
import { cancelJobs, scheduleJobs } from "../scheduler/jobs.ts";
import type { ServiceDeps } from "./deps.ts";
import { saveTransition } from "./scheduled-execution.ts";
import { refuse } from "./audit-trail.ts";

export const REMIND_JOB = "dunning.remind";

const remindKey = (requestId: string, stepId: string, at: Date) => `${REMIND_JOB}:${requestId}:${stepId}:${at.toISOString()}`;

function toState(row: { stepId: string; position: number; dueAt: Date; owner: string; doneAt: Date | null; doneBy: string | null; evidence: string | null; snoozedUntil: Date | null; reminders: number }): ladder.LadderStepState {
  return { stepId: row.stepId, position: row.position, dueAt: row.dueAt, owner: row.owner, doneAt: row.doneAt, doneBy: row.doneBy, evidence: row.evidence, snoozedUntil: row.snoozedUntil, reminders: row.reminders };
}

export async function loadLadder(tx: Tx, requestId: string): Promise<ladder.LadderStepState[]> {
  return (await tx.ladderStep.findMany({ where: { requestId }, orderBy: { position: "asc" } })).map(toState);
}

/** Inside the transaction that opens a request: its ladder, and a reminder job per step at its first business moment. */
export async function startLadder(tx: Tx, deps: Pick<ServiceDeps, "policy">, request: StoredRequest): Promise<void> {
  const steps = ladder.planLadder(request.snapshot, request.requestedAt, request.requestedBy, deps.policy.timezone);
  if (steps.length === 0) return;
  await tx.ladderStep.createMany({ data: steps.map((s) => ({ requestId: request.id, stepId: s.stepId, position: s.position, dueAt: s.dueAt, owner: s.owner })) });
  await scheduleJobs(
    tx,
    steps.map((s) => {
      const at = ladder.nextBusinessMoment(s.dueAt, deps.policy.reminders, deps.policy.timezone);
      return { kind: REMIND_JOB, key: remindKey(request.id, s.stepId, at), runAt: at, requestId: request.id, payload: { requestId: request.id, stepId: s.stepId } };
    }),
  );
}

/** Reminders of one step still waiting: they are no longer wanted. */
async function cancelReminders(tx: Tx, requestId: string, stepId?: string): Promise<void> {
  await cancelJobs(tx, requestId, [REMIND_JOB], stepId ? `${REMIND_JOB}:${requestId}:${stepId}:` : undefined);
}

type LadderChange = Result<{ request: StoredRequest }>;

async function changeLadder(
  deps: ServiceDeps,
  requestId: string,
  userId: string,
  run: (tx: Tx, request: StoredRequest, steps: ladder.LadderStepState[], now: Date) => Promise<Result<{ events: lifecycle.AuditDraft[] }>>,
): Promise<LadderChange> {
  return deps.db.$transaction(async (tx) => {
    const request = await lockRequest(tx, requestId);
    const now = deps.clock.now();
    if (!request) return refuse(tx, requestId, null, userId, now, { code: ErrorCode.RequestNotFound, details: { requestId } });
    const steps = await loadLadder(tx, requestId);
    const result = await run(tx, request, steps, now);
    if (!result.ok) return refuse(tx, requestId, request, userId, now, result.error);
    // The ladder decides the dunning_complete check, like any other automatic check.
    const updated = await loadLadder(tx, requestId);
    const evaluated = lifecycle.recordAutomaticResults(request, { dunning_complete: ladder.ladderResult(updated) }, now);
    const after = evaluated.ok ? evaluated.request : request;
    await saveTransition(tx, deps, request, after);
    const events = [...result.events, ...(evaluated.ok ? evaluated.events : [])];
    await appendAudit(tx, events.map((e) => ({ at: now, actor: userId, action: e.action, requestId, clientId: request.clientId, data: e.data })));
    return { ok: true as const, request: { ...after, number: request.number } };
  });
}

const live = (request: StoredRequest, stoppedAt: Date | null) => ({ live: request.state === "open" || request.state === "ready", stoppedAt });

export function markStepDone(deps: ServiceDeps, requestId: string, stepId: string, userId: string, evidence: string | null | undefined): Promise<LadderChange> {
  return changeLadder(deps, requestId, userId, async (tx, request, steps, now) => {
    const stopped = await ladderStopped(tx, requestId);
    const result = ladder.markStepDone(live(request, stopped), steps.find((s) => s.stepId === stepId), userId, evidence, now);
    if (!result.ok) return result;
    await tx.ladderStep.update({ where: { requestId_stepId: { requestId, stepId } }, data: { doneAt: result.step.doneAt, doneBy: result.step.doneBy, evidence: result.step.evidence, snoozedUntil: null } });
    await cancelReminders(tx, requestId, stepId);
    return result;
  });
}

export function snoozeStep(deps: ServiceDeps, requestId: string, stepId: string, userId: string, until: Date): Promise<LadderChange> {
  return changeLadder(deps, requestId, userId, async (tx, request, steps, now) => {
    const stopped = await ladderStopped(tx, requestId);
    const result = ladder.snoozeStep(live(request, stopped), steps.find((s) => s.stepId === stepId), until, now);
    if (!result.ok) return result;
    await tx.ladderStep.update({ where: { requestId_stepId: { requestId, stepId } }, data: { snoozedUntil: until } });
    await cancelReminders(tx, requestId, stepId);
    const at = ladder.nextBusinessMoment(until, deps.policy.reminders, deps.policy.timezone);
    await scheduleJobs(tx, [{ kind: REMIND_JOB, key: remindKey(requestId, stepId, at), runAt: at, requestId, payload: { requestId, stepId } }]);
    return result;
  });
}

/** Snoozes a step until the same time tomorrow (the reminder's "a day" button). */
export function snoozeStepOneDay(deps: ServiceDeps, requestId: string, stepId: string, userId: string): Promise<LadderChange> {
  return snoozeStep(deps, requestId, stepId, userId, addDuration(deps.clock.now(), { days: 1 }, deps.policy.timezone));
}

/** Gives a step to someone else: they are mentioned in its reminders from now on. */
export function reassignStep(deps: ServiceDeps, requestId: string, stepId: string, userId: string, owner: string): Promise<LadderChange> {
  return changeLadder(deps, requestId, userId, async (tx, request, steps) => {
    const stopped = await ladderStopped(tx, requestId);
    const result = ladder.reassignStep(live(request, stopped), steps.find((s) => s.stepId === stepId), owner);
    if (!result.ok) return result;
    await tx.ladderStep.update({ where: { requestId_stepId: { requestId, stepId } }, data: { owner } });
    return result;
  });
}

/** Snoozes a step until a calendar day (YYYY-MM-DD), reminded when business hours start that day. */
export function snoozeStepUntilDay(deps: ServiceDeps, requestId: string, stepId: string, userId: string, day: string): Promise<LadderChange> {
  if (!isIsoDate(day)) return Promise.resolve(fail(ErrorCode.SnoozeInvalid, { maxDays: 31 }));
  const start = startOfLocalDay(day, deps.policy.timezone);
  return snoozeStep(deps, requestId, stepId, userId, ladder.nextBusinessMoment(start, deps.policy.reminders, deps.policy.timezone));
}

export function stopLadder(deps: ServiceDeps, requestId: string, userId: string, outcome: ladder.LadderOutcome): Promise<LadderChange> {
  return changeLadder(deps, requestId, userId, async (tx, request, steps, now) => {
    const stopped = await ladderStopped(tx, requestId);
    const result = ladder.stopLadder({ ...live(request, stopped), steps: steps.length }, outcome);
    if (!result.ok) return result;
    await tx.deactivationRequest.update({ where: { id: requestId }, data: { ladderStoppedAt: now, ladderStoppedBy: userId, ladderOutcome: outcome } });
    await cancelReminders(tx, requestId);
    return result;
  });
}

async function ladderStopped(tx: Tx, requestId: string): Promise<Date | null> {
  return (await tx.deactivationRequest.findUniqueOrThrow({ where: { id: requestId }, select: { ladderStoppedAt: true } })).ladderStoppedAt;
}

export interface DueReminder {
  request: StoredRequest;
  step: ladder.LadderStepState;
  /** How many times it has now been reminded (1 = the first time). */
  count: number;
  /** Past the policy's limit: the approvers are called in. */
  escalate: boolean;
}

/**
 * A reminder job's work in the database: whether the step still needs a
 * reminder, and if so the count and the next reminder (in business hours),
 * written in one transaction with the audit event. The caller posts it.
 */
export async function takeReminder(deps: ServiceDeps, requestId: string, stepId: string): Promise<DueReminder | null> {
  return deps.db.$transaction(async (tx) => {
    const request = await lockRequest(tx, requestId);
    if (!request || (request.state !== "open" && request.state !== "ready")) return null;
    if (await ladderStopped(tx, requestId)) return null;
    const step = (await loadLadder(tx, requestId)).find((s) => s.stepId === stepId);
    const now = deps.clock.now();
    if (!step || step.doneAt || (step.snoozedUntil && step.snoozedUntil > now)) return null;
    const count = step.reminders + 1;
    await tx.ladderStep.update({ where: { requestId_stepId: { requestId, stepId } }, data: { reminders: count } });
    const escalate = count > deps.policy.reminders.maxReminders;
    const next = ladder.nextBusinessMoment(addDuration(now, deps.policy.reminders.repeatEvery, deps.policy.timezone), deps.policy.reminders, deps.policy.timezone);
    await scheduleJobs(tx, [{ kind: REMIND_JOB, key: remindKey(requestId, stepId, next), runAt: next, requestId, payload: { requestId, stepId } }]);
    await appendAudit(tx, [{ at: now, actor: "system", action: "dunning.reminded", requestId, clientId: request.clientId, data: { stepId, count, escalate } }]);
    return { request, step: { ...step, reminders: count }, count, escalate };
  });
}
