import type { StoredRequest } from "../db/requests.ts";
import type { Repositories } from "../db/store.ts";
import { isIsoDate, startOfLocalDay } from "../domain/calendar.ts";
import { addDuration } from "../domain/duration.ts";
import * as ladder from "../domain/dunning.ts";
import { ErrorCode, fail, type Result } from "../domain/errors.ts";
import * as lifecycle from "../domain/request.ts";
import type { ServiceDeps } from "./deps.ts";
import { saveTransition } from "./scheduled-execution.ts";
import { refuse } from "./audit-trail.ts";

export const REMIND_JOB = "dunning.remind";

const remindKey = (requestId: string, stepId: string, at: Date) => `${REMIND_JOB}:${requestId}:${stepId}:${at.toISOString()}`;

/** Inside the transaction that opens a request: its ladder, and a reminder job per step at its first business moment. */
export async function startLadder(tx: Repositories, deps: Pick<ServiceDeps, "policy">, request: StoredRequest): Promise<void> {
  const steps = ladder.planLadder(request.snapshot, request.requestedAt, request.requestedBy, deps.policy.timezone);
  if (steps.length === 0) return;
  await tx.ladders.create(request.id, steps);
  await tx.jobs.schedule(
    steps.map((s) => {
      const at = ladder.nextBusinessMoment(s.dueAt, deps.policy.reminders, deps.policy.timezone);
      return { kind: REMIND_JOB, key: remindKey(request.id, s.stepId, at), runAt: at, requestId: request.id, payload: { requestId: request.id, stepId: s.stepId } };
    }),
  );
}

/** Reminders of one step still waiting: they are no longer wanted. */
async function cancelReminders(tx: Repositories, requestId: string, stepId?: string): Promise<void> {
  await tx.jobs.cancel(requestId, [REMIND_JOB], stepId ? `${REMIND_JOB}:${requestId}:${stepId}:` : undefined);
}

type LadderChange = Result<{ request: StoredRequest }>;

async function changeLadder(
  deps: ServiceDeps,
  requestId: string,
  userId: string,
  run: (tx: Repositories, request: StoredRequest, steps: ladder.LadderStepState[], now: Date) => Promise<Result<{ events: lifecycle.AuditDraft[] }>>,
): Promise<LadderChange> {
  return deps.store.transaction(async (tx) => {
    const request = await tx.requests.lock(requestId);
    const now = deps.clock.now();
    if (!request) return refuse(tx, requestId, null, userId, now, { code: ErrorCode.RequestNotFound, details: { requestId } });
    const steps = await tx.ladders.steps(requestId);
    const result = await run(tx, request, steps, now);
    if (!result.ok) return refuse(tx, requestId, request, userId, now, result.error);
    // The ladder decides the dunning_complete check, like any other automatic check.
    const updated = await tx.ladders.steps(requestId);
    const evaluated = lifecycle.recordAutomaticResults(request, { dunning_complete: ladder.ladderResult(updated) }, now);
    const after = evaluated.ok ? evaluated.request : request;
    await saveTransition(tx, deps, request, after);
    const events = [...result.events, ...(evaluated.ok ? evaluated.events : [])];
    await tx.audit.append(events.map((e) => ({ ...e, at: now, actor: userId, requestId, clientId: request.clientId })));
    return { ok: true as const, request: { ...after, number: request.number } };
  });
}

const live = (request: StoredRequest, stoppedAt: Date | null) => ({ live: request.state === "open" || request.state === "ready", stoppedAt });

export function markStepDone(deps: ServiceDeps, requestId: string, stepId: string, userId: string, evidence: string | null | undefined): Promise<LadderChange> {
  return changeLadder(deps, requestId, userId, async (tx, request, steps, now) => {
    const stopped = await tx.ladders.stoppedAt(requestId);
    const result = ladder.markStepDone(live(request, stopped), steps.find((s) => s.stepId === stepId), userId, evidence, now);
    if (!result.ok) return result;
    await tx.ladders.updateStep(requestId, stepId, { doneAt: result.step.doneAt, doneBy: result.step.doneBy, evidence: result.step.evidence, snoozedUntil: null });
    await cancelReminders(tx, requestId, stepId);
    return result;
  });
}

export function snoozeStep(deps: ServiceDeps, requestId: string, stepId: string, userId: string, until: Date): Promise<LadderChange> {
  return changeLadder(deps, requestId, userId, async (tx, request, steps, now) => {
    const stopped = await tx.ladders.stoppedAt(requestId);
    const result = ladder.snoozeStep(live(request, stopped), steps.find((s) => s.stepId === stepId), until, now);
    if (!result.ok) return result;
    await tx.ladders.updateStep(requestId, stepId, { snoozedUntil: until });
    await cancelReminders(tx, requestId, stepId);
    const at = ladder.nextBusinessMoment(until, deps.policy.reminders, deps.policy.timezone);
    await tx.jobs.schedule([{ kind: REMIND_JOB, key: remindKey(requestId, stepId, at), runAt: at, requestId, payload: { requestId, stepId } }]);
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
    const stopped = await tx.ladders.stoppedAt(requestId);
    const result = ladder.reassignStep(live(request, stopped), steps.find((s) => s.stepId === stepId), owner);
    if (!result.ok) return result;
    await tx.ladders.updateStep(requestId, stepId, { owner });
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
    const stopped = await tx.ladders.stoppedAt(requestId);
    const result = ladder.stopLadder({ ...live(request, stopped), steps: steps.length }, outcome);
    if (!result.ok) return result;
    await tx.ladders.stop(requestId, { at: now, by: userId, outcome });
    await cancelReminders(tx, requestId);
    return result;
  });
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
  return deps.store.transaction(async (tx) => {
    const request = await tx.requests.lock(requestId);
    if (!request || (request.state !== "open" && request.state !== "ready")) return null;
    if (await tx.ladders.stoppedAt(requestId)) return null;
    const step = (await tx.ladders.steps(requestId)).find((s) => s.stepId === stepId);
    const now = deps.clock.now();
    if (!step || step.doneAt || (step.snoozedUntil && step.snoozedUntil > now)) return null;
    const count = step.reminders + 1;
    await tx.ladders.updateStep(requestId, stepId, { reminders: count });
    const escalate = count > deps.policy.reminders.maxReminders;
    const next = ladder.nextBusinessMoment(addDuration(now, deps.policy.reminders.repeatEvery, deps.policy.timezone), deps.policy.reminders, deps.policy.timezone);
    await tx.jobs.schedule([{ kind: REMIND_JOB, key: remindKey(requestId, stepId, next), runAt: next, requestId, payload: { requestId, stepId } }]);
    await tx.audit.append([{ at: now, actor: "system", action: "dunning.reminded", requestId, clientId: request.clientId, data: { stepId, count, escalate } }]);
    return { request, step: { ...step, reminders: count }, count, escalate };
  });
}
