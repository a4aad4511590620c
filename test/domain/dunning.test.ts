import { describe, expect, it } from "vitest";
import { DEFAULT_CALENDAR } from "../../src/domain/calendar.ts";
import {
  ladderResult,
  markStepDone,
  nextBusinessMoment,
  planLadder,
  reassignStep,
  snoozeStep,
  stopLadder,
  type LadderStepState,
} from "../../src/domain/dunning.ts";
import { ErrorCode } from "../../src/domain/errors.ts";
import type { DunningStep, ReminderRules } from "../../src/domain/policy.ts";
import type { RequestSnapshot } from "../../src/domain/request.ts";

const TZ = "America/Montevideo"; // UTC-3 all year
const REQUESTED_AT = new Date("2026-08-09T15:00:00.000Z"); // Sunday 12:00 in Montevideo
const NOW = new Date("2026-08-12T15:00:00.000Z");
const LIVE = { live: true, stoppedAt: null };
const STOPPED_AT = new Date("2026-08-11T12:00:00.000Z");

function snapshot(dunning: DunningStep[]): RequestSnapshot {
  return {
    kind: "non_payment",
    label: "Non-payment",
    checks: [],
    actions: ["inactivate_client"],
    approvals: { required: 1, allowSelfApproval: false },
    reactivation: { allowed: true },
    calendar: { ...DEFAULT_CALENDAR },
    dunning,
    onEquipmentOut: "block",
  };
}

const step = (over: Partial<LadderStepState> = {}): LadderStepState => ({
  stepId: "email_1",
  position: 0,
  dueAt: new Date("2026-08-10T15:00:00.000Z"),
  owner: "U0OWNER",
  doneAt: null,
  doneBy: null,
  evidence: null,
  snoozedUntil: null,
  reminders: 2,
  ...over,
});
const DONE_AT = new Date("2026-08-11T15:00:00.000Z");
const doneStep = step({ doneAt: DONE_AT, doneBy: "U0DONE", evidence: "sent" });

describe("planLadder", () => {
  it("gives every step of the policy's ladder, in order, owned by the requester and due as the calendar says", () => {
    const ladder: DunningStep[] = [
      { id: "email_1", label: "Email", channel: "email", after: { days: 1 }, from: "previous", finalNotice: false, send: "manual" },
      { id: "call", label: "Call", channel: "phone", after: { days: 3 }, from: "previous", finalNotice: false, send: "manual" },
      { id: "report", label: "Report", channel: "other", after: { hours: 36 }, from: "request", finalNotice: true, send: "manual" },
    ];
    expect(planLadder(snapshot(ladder), REQUESTED_AT, "U0REQUESTER", TZ)).toEqual([
      { stepId: "email_1", position: 0, dueAt: new Date("2026-08-10T15:00:00.000Z"), owner: "U0REQUESTER", doneAt: null, doneBy: null, evidence: null, snoozedUntil: null, reminders: 0 },
      { stepId: "call", position: 1, dueAt: new Date("2026-08-13T15:00:00.000Z"), owner: "U0REQUESTER", doneAt: null, doneBy: null, evidence: null, snoozedUntil: null, reminders: 0 },
      { stepId: "report", position: 2, dueAt: new Date("2026-08-11T03:00:00.000Z"), owner: "U0REQUESTER", doneAt: null, doneBy: null, evidence: null, snoozedUntil: null, reminders: 0 },
    ]);
  });

  it("a kind without a ladder gets none", () => {
    expect(planLadder(snapshot([]), REQUESTED_AT, "U0REQUESTER", TZ)).toEqual([]);
  });
});

describe("ladderResult: the dunning_complete check", () => {
  const at = DONE_AT;
  it.each([
    { name: "no steps at all", steps: [], passed: false, done: 0, total: 0 },
    { name: "one step, not done", steps: [null], passed: false, done: 0, total: 1 },
    { name: "one step, done", steps: [at], passed: true, done: 1, total: 1 },
    { name: "first done, last not", steps: [at, null], passed: false, done: 1, total: 2 },
    { name: "last done, first not", steps: [null, at], passed: false, done: 1, total: 2 },
    { name: "two of three done", steps: [at, at, null], passed: false, done: 2, total: 3 },
    { name: "every step done", steps: [at, at, at], passed: true, done: 3, total: 3 },
  ])("$name", ({ steps, passed, done, total }) => {
    expect(ladderResult(steps.map((doneAt) => ({ doneAt })))).toEqual({ passed, detail: { done, total } });
  });
});

describe("a ladder that is closed or stopped takes no changes", () => {
  const until = new Date("2026-08-13T15:00:00.000Z");
  const operations = [
    { name: "markStepDone", run: (ladder: { live: boolean; stoppedAt: Date | null }) => markStepDone(ladder, step(), "U0ACTOR", "sent", NOW) },
    { name: "snoozeStep", run: (ladder: { live: boolean; stoppedAt: Date | null }) => snoozeStep(ladder, step(), until, NOW) },
    { name: "reassignStep", run: (ladder: { live: boolean; stoppedAt: Date | null }) => reassignStep(ladder, step(), "U0OTHER") },
    { name: "stopLadder", run: (ladder: { live: boolean; stoppedAt: Date | null }) => stopLadder({ ...ladder, steps: 2 }, "paid") },
  ];
  it.each(
    operations.flatMap((op) => [
      { op, ladder: { live: false, stoppedAt: null }, error: { code: ErrorCode.RequestClosed } },
      // Closed wins over stopped: the request is what the person acts on.
      { op, ladder: { live: false, stoppedAt: STOPPED_AT }, error: { code: ErrorCode.RequestClosed } },
      { op, ladder: { live: true, stoppedAt: STOPPED_AT }, error: { code: ErrorCode.LadderStopped, details: { at: STOPPED_AT } } },
    ]),
  )("$op.name on live $ladder.live, stopped $ladder.stoppedAt: $error.code", ({ op, ladder, error }) => {
    expect(op.run(ladder)).toEqual({ ok: false, error });
  });

  it.each(operations)("$name on a live ladder that runs goes ahead", ({ run }) => {
    expect(run(LIVE)).toMatchObject({ ok: true });
  });
});

describe("step changes refuse an unknown step and a step already done", () => {
  const until = new Date("2026-08-13T15:00:00.000Z");
  it.each([
    { name: "markStepDone", run: (s: LadderStepState | undefined) => markStepDone(LIVE, s, "U0ACTOR", "sent", NOW) },
    { name: "snoozeStep", run: (s: LadderStepState | undefined) => snoozeStep(LIVE, s, until, NOW) },
    { name: "reassignStep", run: (s: LadderStepState | undefined) => reassignStep(LIVE, s, "U0OTHER") },
  ])("$name", ({ run }) => {
    expect(run(undefined)).toEqual({ ok: false, error: { code: ErrorCode.StepUnknown } });
    expect(run(doneStep)).toEqual({ ok: false, error: { code: ErrorCode.StepAlreadyDone, details: { by: "U0DONE", at: DONE_AT } } });
  });
});

describe("markStepDone", () => {
  it.each([
    { name: "no evidence", evidence: undefined },
    { name: "null evidence", evidence: null },
    { name: "empty evidence", evidence: "" },
    { name: "blank evidence", evidence: " \n\t " },
  ])("refuses $name: seed 002 keeps written evidence that the client was told", ({ evidence }) => {
    expect(markStepDone(LIVE, step(), "U0ACTOR", evidence, NOW)).toEqual({ ok: false, error: { code: ErrorCode.EvidenceRequired, details: { stepId: "email_1" } } });
  });

  it.each([
    { name: "2000 characters", evidence: "x".repeat(2000), ok: true },
    { name: "2000 characters and blanks around them", evidence: `  ${"x".repeat(2000)}  `, ok: true },
    { name: "2001 characters", evidence: "x".repeat(2001), ok: false },
  ])("evidence of $name", ({ evidence, ok }) => {
    const result = markStepDone(LIVE, step(), "U0ACTOR", evidence, NOW);
    if (ok) expect(result).toMatchObject({ ok: true, step: { evidence: evidence.trim() } });
    else expect(result).toEqual({ ok: false, error: { code: ErrorCode.FieldTooLong, details: { field: "evidence", max: 2000 } } });
  });

  it("records who did it, when, and the evidence trimmed; a snooze ends", () => {
    const snoozed = step({ snoozedUntil: new Date("2026-08-20T15:00:00.000Z") });
    expect(markStepDone(LIVE, snoozed, "U0ACTOR", "  Email sent, ref 42 \n", NOW)).toEqual({
      ok: true,
      step: { ...snoozed, doneAt: NOW, doneBy: "U0ACTOR", evidence: "Email sent, ref 42", snoozedUntil: null },
      events: [{ action: "dunning.step_done", data: { stepId: "email_1", evidence: "Email sent, ref 42" } }],
    });
  });
});

describe("snoozeStep", () => {
  const DAY = 86_400_000;
  it.each([
    { name: "now", until: NOW.getTime(), ok: false },
    { name: "a minute ago", until: NOW.getTime() - 60_000, ok: false },
    { name: "a millisecond from now", until: NOW.getTime() + 1, ok: true },
    { name: "a day from now", until: NOW.getTime() + DAY, ok: true },
    { name: "exactly 31 days from now", until: NOW.getTime() + 31 * DAY, ok: true },
    { name: "31 days and a millisecond from now", until: NOW.getTime() + 31 * DAY + 1, ok: false },
    { name: "a year from now", until: NOW.getTime() + 365 * DAY, ok: false },
  ])("until $name", ({ until, ok }) => {
    const at = new Date(until);
    const result = snoozeStep(LIVE, step(), at, NOW);
    if (ok) {
      expect(result).toEqual({ ok: true, step: { ...step(), snoozedUntil: at }, events: [{ action: "dunning.snoozed", data: { stepId: "email_1", until: at } }] });
    } else {
      expect(result).toEqual({ ok: false, error: { code: ErrorCode.SnoozeInvalid, details: { maxDays: 31 } } });
    }
  });
});

describe("reassignStep", () => {
  it("hands the step to someone else and says who had it", () => {
    expect(reassignStep(LIVE, step(), "U0OTHER")).toEqual({
      ok: true,
      step: { ...step(), owner: "U0OTHER" },
      events: [{ action: "dunning.reassigned", data: { stepId: "email_1", from: "U0OWNER", to: "U0OTHER" } }],
    });
  });
});

describe("stopLadder", () => {
  it.each(["answered", "paid"] as const)("the client %s: the ladder stops and says so", (outcome) => {
    expect(stopLadder({ ...LIVE, steps: 3 }, outcome)).toEqual({ ok: true, events: [{ action: "dunning.stopped", data: { outcome } }] });
  });

  it.each([
    { name: "a live request", ladder: { live: true, stoppedAt: null } },
    { name: "a closed request", ladder: { live: false, stoppedAt: null } },
    { name: "a stopped ladder", ladder: { live: true, stoppedAt: STOPPED_AT } },
  ])("a kind without a ladder has nothing to stop, on $name", ({ ladder }) => {
    expect(stopLadder({ ...ladder, steps: 0 }, "paid")).toEqual({ ok: false, error: { code: ErrorCode.LadderNone } });
  });

  it("one step is a ladder", () => {
    expect(stopLadder({ ...LIVE, steps: 1 }, "paid")).toMatchObject({ ok: true });
  });
});

describe("nextBusinessMoment", () => {
  const OFFICE: ReminderRules = { businessHours: { days: [1, 2, 3, 4, 5], from: "09:00", to: "18:00" }, repeatEvery: { days: 1 }, maxReminders: 3 };
  const hours = (days: number[], from: string, to: string): ReminderRules => ({ ...OFFICE, businessHours: { days, from, to } });

  it.each([
    // Montevideo is UTC-3: 12:00Z is 09:00 there. 10 August 2026 is a Monday.
    { name: "Monday before opening", rules: OFFICE, tz: TZ, at: "2026-08-10T11:59:00.000Z", next: "2026-08-10T12:00:00.000Z" },
    { name: "Monday just after midnight", rules: OFFICE, tz: TZ, at: "2026-08-10T03:00:00.000Z", next: "2026-08-10T12:00:00.000Z" },
    { name: "Monday at opening", rules: OFFICE, tz: TZ, at: "2026-08-10T12:00:00.000Z", next: "2026-08-10T12:00:00.000Z" },
    { name: "Monday mid-morning, to the millisecond", rules: OFFICE, tz: TZ, at: "2026-08-10T14:34:56.789Z", next: "2026-08-10T14:34:56.789Z" },
    { name: "Monday a minute before closing", rules: OFFICE, tz: TZ, at: "2026-08-10T20:59:00.000Z", next: "2026-08-10T20:59:00.000Z" },
    { name: "Monday at closing", rules: OFFICE, tz: TZ, at: "2026-08-10T21:00:00.000Z", next: "2026-08-11T12:00:00.000Z" },
    { name: "Monday late evening (already Tuesday in UTC)", rules: OFFICE, tz: TZ, at: "2026-08-11T02:30:00.000Z", next: "2026-08-11T12:00:00.000Z" },
    { name: "Friday at closing", rules: OFFICE, tz: TZ, at: "2026-08-14T21:00:00.000Z", next: "2026-08-17T12:00:00.000Z" },
    { name: "Saturday mid-morning", rules: OFFICE, tz: TZ, at: "2026-08-15T13:00:00.000Z", next: "2026-08-17T12:00:00.000Z" },
    { name: "Sunday a minute before midnight", rules: OFFICE, tz: TZ, at: "2026-08-17T02:59:00.000Z", next: "2026-08-17T12:00:00.000Z" },
    // Hours that are not whole: the minutes count.
    { name: "08:29 with hours 08:30 to 17:15", rules: hours([1, 2, 3, 4, 5], "08:30", "17:15"), tz: TZ, at: "2026-08-10T11:29:00.000Z", next: "2026-08-10T11:30:00.000Z" },
    { name: "17:14 with hours 08:30 to 17:15", rules: hours([1, 2, 3, 4, 5], "08:30", "17:15"), tz: TZ, at: "2026-08-10T20:14:00.000Z", next: "2026-08-10T20:14:00.000Z" },
    { name: "17:15 with hours 08:30 to 17:15", rules: hours([1, 2, 3, 4, 5], "08:30", "17:15"), tz: TZ, at: "2026-08-10T20:15:00.000Z", next: "2026-08-11T11:30:00.000Z" },
    { name: "10:05 with hours 10:10 to 20:00", rules: hours([1], "10:10", "20:00"), tz: TZ, at: "2026-08-10T13:05:00.000Z", next: "2026-08-10T13:10:00.000Z" },
    // Days: only Sundays; only Mondays, asked on Monday after closing (a week on: the last day looked at).
    { name: "only Sundays, asked on Monday", rules: hours([0], "09:00", "18:00"), tz: TZ, at: "2026-08-10T15:00:00.000Z", next: "2026-08-16T12:00:00.000Z" },
    { name: "only Mondays, asked on Monday after closing", rules: hours([1], "09:00", "18:00"), tz: TZ, at: "2026-08-10T22:00:00.000Z", next: "2026-08-17T12:00:00.000Z" },
    { name: "no days at all: as asked", rules: hours([], "09:00", "18:00"), tz: TZ, at: "2026-08-10T22:00:00.000Z", next: "2026-08-10T22:00:00.000Z" },
    // The policy's zone, not UTC's: 23:30Z on Monday is Tuesday 08:30 in Tokyo.
    { name: "Tokyo, Tuesday before opening", rules: OFFICE, tz: "Asia/Tokyo", at: "2026-08-10T23:30:00.000Z", next: "2026-08-11T00:00:00.000Z" },
    { name: "Tokyo, Saturday 23:00Z is Sunday 08:00", rules: OFFICE, tz: "Asia/Tokyo", at: "2026-08-15T23:00:00.000Z", next: "2026-08-17T00:00:00.000Z" },
    // Madrid leaves summer time at 03:00 on Sunday 25 October 2026: Saturday is UTC+2, Sunday UTC+1.
    { name: "Madrid, across the end of summer time", rules: hours([0], "09:00", "18:00"), tz: "Europe/Madrid", at: "2026-10-24T18:00:00.000Z", next: "2026-10-25T08:00:00.000Z" },
  ])("$name", ({ rules, tz, at, next }) => {
    // Compared as instants: an opening time comes back as a TZDate, whose toISOString has the zone's offset.
    expect(new Date(nextBusinessMoment(new Date(at), rules, tz).getTime()).toISOString()).toBe(next);
  });
});
