import { TZDate } from "@date-fns/tz";
import { addDays } from "date-fns";
import { computeTimeline } from "./calendar.ts";
import { ErrorCode, fail, type Result } from "./errors.ts";
import type { ReminderRules } from "./policy.ts";
import type { CheckDetail } from "./check-details.ts";
import { LIMITS, type AuditDraft, type AutomaticResult, type RequestSnapshot } from "./request.ts";

/** One step of a request's ladder, as stored. */
export interface LadderStepState {
  stepId: string;
  position: number;
  dueAt: Date;
  owner: string;
  doneAt: Date | null;
  doneBy: string | null;
  evidence: string | null;
  snoozedUntil: Date | null;
  reminders: number;
}

/** The ladder a request gets when it opens: every step owned by the requester, due as the policy says. */
export function planLadder(snapshot: RequestSnapshot, requestedAt: Date, owner: string, timezone: string): LadderStepState[] {
  const timeline = computeTimeline(snapshot.calendar, snapshot.dunning, timezone, requestedAt);
  return timeline.dunning.map((step, position) => ({
    stepId: step.id,
    position,
    dueAt: step.dueAt,
    owner,
    doneAt: null,
    doneBy: null,
    evidence: null,
    snoozedUntil: null,
    reminders: 0,
  }));
}

/** The dunning_complete check: passes when every step is done. */
export function ladderResult(steps: Pick<LadderStepState, "doneAt">[]): AutomaticResult {
  const done = steps.filter((s) => s.doneAt !== null).length;
  return { passed: steps.length > 0 && done === steps.length, detail: { done, total: steps.length } satisfies CheckDetail<"dunning_complete"> };
}

interface LadderContext {
  /** The request can still change (open or ready). */
  live: boolean;
  stoppedAt: Date | null;
}

function refuse(ladder: LadderContext) {
  if (!ladder.live) return fail(ErrorCode.RequestClosed);
  if (ladder.stoppedAt) return fail(ErrorCode.LadderStopped, { at: ladder.stoppedAt });
  return null;
}

export function markStepDone(
  ladder: LadderContext,
  step: LadderStepState | undefined,
  actor: string,
  evidenceInput: string | null | undefined,
  now: Date,
): Result<{ step: LadderStepState; events: AuditDraft[] }> {
  const refused = refuse(ladder);
  if (refused) return refused;
  if (!step) return fail(ErrorCode.StepUnknown);
  if (step.doneAt) return fail(ErrorCode.StepAlreadyDone, { by: step.doneBy, at: step.doneAt });
  const evidence = evidenceInput?.trim();
  // Seed 002: keep written evidence that the client was told.
  if (!evidence) return fail(ErrorCode.EvidenceRequired, { stepId: step.stepId });
  if (evidence.length > LIMITS.evidence) return fail(ErrorCode.FieldTooLong, { field: "evidence", max: LIMITS.evidence });
  return {
    ok: true,
    step: { ...step, doneAt: now, doneBy: actor, evidence, snoozedUntil: null },
    events: [{ action: "dunning.step_done", data: { stepId: step.stepId, evidence } }],
  };
}

const MAX_SNOOZE_DAYS = 31;

export function snoozeStep(ladder: LadderContext, step: LadderStepState | undefined, until: Date, now: Date): Result<{ step: LadderStepState; events: AuditDraft[] }> {
  const refused = refuse(ladder);
  if (refused) return refused;
  if (!step) return fail(ErrorCode.StepUnknown);
  if (step.doneAt) return fail(ErrorCode.StepAlreadyDone, { by: step.doneBy, at: step.doneAt });
  if (until <= now || until.getTime() - now.getTime() > MAX_SNOOZE_DAYS * 86_400_000) {
    return fail(ErrorCode.SnoozeInvalid, { maxDays: MAX_SNOOZE_DAYS });
  }
  return { ok: true, step: { ...step, snoozedUntil: until }, events: [{ action: "dunning.snoozed", data: { stepId: step.stepId, until } }] };
}

export function reassignStep(ladder: LadderContext, step: LadderStepState | undefined, owner: string): Result<{ step: LadderStepState; events: AuditDraft[] }> {
  const refused = refuse(ladder);
  if (refused) return refused;
  if (!step) return fail(ErrorCode.StepUnknown);
  if (step.doneAt) return fail(ErrorCode.StepAlreadyDone, { by: step.doneBy, at: step.doneAt });
  return { ok: true, step: { ...step, owner }, events: [{ action: "dunning.reassigned", data: { stepId: step.stepId, from: step.owner, to: owner } }] };
}

export type LadderOutcome = "answered" | "paid";

/** The client answered or paid: the ladder stops and says so. */
export function stopLadder(ladder: LadderContext & { steps: number }, outcome: LadderOutcome): Result<{ events: AuditDraft[] }> {
  if (ladder.steps === 0) return fail(ErrorCode.LadderNone);
  const refused = refuse(ladder);
  if (refused) return refused;
  return { ok: true, events: [{ action: "dunning.stopped", data: { outcome } }] };
}

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** The first instant at or after `at` inside business hours, in the policy's time zone. */
export function nextBusinessMoment(at: Date, rules: ReminderRules, timezone: string): Date {
  const { days, from, to } = rules.businessHours;
  let local = new TZDate(at, timezone);
  for (let i = 0; i < 8; i++) {
    const now = local.getHours() * 60 + local.getMinutes();
    if (days.includes(local.getDay())) {
      if (now < minutes(from)) return opening(local, from, timezone);
      if (now < minutes(to)) return new Date(local.getTime());
    }
    local = addDays(opening(local, "00:00", timezone), 1);
  }
  return at;
}

function opening(day: TZDate, hhmm: string, timezone: string): TZDate {
  return new TZDate(day.getFullYear(), day.getMonth(), day.getDate(), Number(hhmm.slice(0, 2)), Number(hhmm.slice(3, 5)), timezone);
}
