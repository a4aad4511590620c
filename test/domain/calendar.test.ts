import { describe, expect, it } from "vitest";
import {
  computeTimeline,
  DEFAULT_CALENDAR,
  deletionMoment,
  executionMoment,
  isIsoDate,
  localDate,
  startOfLocalDay,
  type CalendarRules,
  type DunningStepRule,
} from "../../src/domain/calendar.ts";
import { addDuration, parseDuration } from "../../src/domain/duration.ts";

/** Seed 002 (ZetaLIBRA): request before the 10th, not billed next month; service to the end of the month; data deleted a month later. */
const SEED_002: CalendarRules = {
  notice: { cutoffDay: 10 },
  serviceEnds: { type: "end_of_month" },
  dataDeletion: { type: "end_of_following_month" },
  reactivableUntil: { type: "before_deletion" },
};

describe("computeTimeline: seed 002's rules", () => {
  it.each([
    // The seed's own example: asked in August before the 10th so September is not billed; data deleted 30 September.
    { name: "seed example, 9 Aug", tz: "America/Montevideo", at: "2026-08-09T15:00:00Z", billed: "2026-08", ends: "2026-08-31", deleted: "2026-09-30", reactivable: "2026-09-29" },
    { name: "11 Aug: September is billed", tz: "America/Montevideo", at: "2026-08-11T15:00:00Z", billed: "2026-09", ends: "2026-09-30", deleted: "2026-10-31", reactivable: "2026-10-30" },
    // UTC-3: 02:59:59Z on the 10th is still the 9th locally; 03:00Z is the 10th.
    { name: "UTC-3, one second before local midnight of the 10th", tz: "America/Montevideo", at: "2026-08-10T02:59:59Z", billed: "2026-08", ends: "2026-08-31", deleted: "2026-09-30", reactivable: "2026-09-29" },
    { name: "UTC-3, local midnight of the 10th", tz: "America/Montevideo", at: "2026-08-10T03:00:00Z", billed: "2026-09", ends: "2026-09-30", deleted: "2026-10-31", reactivable: "2026-10-30" },
    // UTC+9: 14:59:59Z on the 9th is 23:59:59 on the 9th in Tokyo; 15:00Z on the 9th is already the 10th there.
    { name: "UTC+9, one second before local midnight of the 10th", tz: "Asia/Tokyo", at: "2026-08-09T14:59:59Z", billed: "2026-08", ends: "2026-08-31", deleted: "2026-09-30", reactivable: "2026-09-29" },
    { name: "UTC+9, local midnight of the 10th (UTC says the 9th)", tz: "Asia/Tokyo", at: "2026-08-09T15:00:00Z", billed: "2026-09", ends: "2026-09-30", deleted: "2026-10-31", reactivable: "2026-10-30" },
    { name: "into a 28-day February", tz: "America/Montevideo", at: "2026-01-20T15:00:00Z", billed: "2026-02", ends: "2026-02-28", deleted: "2026-03-31", reactivable: "2026-03-30" },
    { name: "into a leap February", tz: "America/Montevideo", at: "2028-01-20T15:00:00Z", billed: "2028-02", ends: "2028-02-29", deleted: "2028-03-31", reactivable: "2028-03-30" },
    { name: "deletion in a 30-day month", tz: "America/Montevideo", at: "2026-03-05T15:00:00Z", billed: "2026-03", ends: "2026-03-31", deleted: "2026-04-30", reactivable: "2026-04-29" },
    { name: "across the year", tz: "America/Montevideo", at: "2026-11-15T15:00:00Z", billed: "2026-12", ends: "2026-12-31", deleted: "2027-01-31", reactivable: "2027-01-30" },
    { name: "deletion in February of a leap year", tz: "America/Montevideo", at: "2028-01-05T15:00:00Z", billed: "2028-01", ends: "2028-01-31", deleted: "2028-02-29", reactivable: "2028-02-28" },
  ])("$name", ({ tz, at, billed, ends, deleted, reactivable }) => {
    expect(computeTimeline(SEED_002, [], tz, new Date(at))).toMatchObject({ lastBilledMonth: billed, serviceEndsOn: ends, dataDeletedOn: deleted, reactivableUntil: reactivable });
  });

  it("counts from the day the client asked when it is given, not from when the request was opened", () => {
    const timeline = computeTimeline(SEED_002, [], "America/Montevideo", new Date("2026-08-12T15:00:00Z"), "2026-08-08");
    expect(timeline).toMatchObject({ requestedOn: "2026-08-08", lastBilledMonth: "2026-08", serviceEndsOn: "2026-08-31" });
  });
});

describe("computeTimeline: other rules", () => {
  it.each([
    { name: "never delete (seed 000), reactivable always", rules: { serviceEnds: { type: "immediately" }, dataDeletion: { type: "never" }, reactivableUntil: { type: "always" } }, expected: { lastBilledMonth: null, serviceEndsOn: "2026-08-09", dataDeletedOn: null, reactivableUntil: null } },
    { name: "end of the request's month without a notice rule", rules: { serviceEnds: { type: "end_of_month" }, dataDeletion: { type: "never" }, reactivableUntil: { type: "always" } }, expected: { lastBilledMonth: null, serviceEndsOn: "2026-08-31", dataDeletedOn: null } },
    { name: "service 30 days after, deletion 90 days after that, reactivable 60", rules: { serviceEnds: { type: "after", duration: { days: 30 } }, dataDeletion: { type: "after_service_ends", duration: { days: 90 } }, reactivableUntil: { type: "after_service_ends", duration: { days: 60 } } }, expected: { serviceEndsOn: "2026-09-08", dataDeletedOn: "2026-12-07", reactivableUntil: "2026-11-07" } },
  ] satisfies { name: string; rules: CalendarRules; expected: object }[])("$name", ({ rules, expected }) => {
    expect(computeTimeline(rules, [], "America/Montevideo", new Date("2026-08-09T15:00:00Z"))).toMatchObject(expected);
  });
});

describe("dunning due dates", () => {
  // Seed 000: three collection emails, then a call, then the final email and WhatsApp.
  const ladder: DunningStepRule[] = [
    { id: "email_1", after: { days: 1 }, from: "previous" },
    { id: "email_2", after: { days: 7 }, from: "previous" },
    { id: "email_3", after: { days: 7 }, from: "previous" },
    { id: "call", after: { days: 3 }, from: "previous" },
    { id: "final", after: { hours: 36 }, from: "previous" },
    { id: "report", after: { days: 2 }, from: "request" },
  ];
  it("chains each step on the one before, or on the request", () => {
    const { dunning } = computeTimeline(SEED_002, ladder, "America/Costa_Rica", new Date("2026-08-09T15:00:00Z"));
    expect(dunning.map((s) => [s.id, s.dueOn])).toEqual([
      ["email_1", "2026-08-10"],
      ["email_2", "2026-08-17"],
      ["email_3", "2026-08-24"],
      ["call", "2026-08-27"],
      ["final", "2026-08-28"],
      ["report", "2026-08-11"],
    ]);
    expect(dunning[4]!.dueAt.toISOString()).toBe("2026-08-29T03:00:00.000Z");
  });

  it.each([
    // Madrid moves to summer time at 02:00 on 29 March 2026: that day has 23 hours.
    { duration: "1d", due: "2026-03-29T21:30:00.000Z", dueOn: "2026-03-29" },
    { duration: "24h", due: "2026-03-29T22:30:00.000Z", dueOn: "2026-03-30" },
    { duration: "P1D", due: "2026-03-29T21:30:00.000Z", dueOn: "2026-03-29" },
    { duration: "PT24H", due: "2026-03-29T22:30:00.000Z", dueOn: "2026-03-30" },
  ])("a $duration step across a daylight-saving change is due at $due", ({ duration, due, dueOn }) => {
    const { dunning } = computeTimeline(SEED_002, [{ id: "s", after: parseDuration(duration)!, from: "request" }], "Europe/Madrid", new Date("2026-03-28T22:30:00Z"));
    expect(dunning[0]).toMatchObject({ dueOn });
    expect(dunning[0]!.dueAt.toISOString()).toBe(due);
  });
});

describe("parseDuration", () => {
  it.each([
    { text: "45s", duration: { seconds: 45 } },
    { text: "30m", duration: { minutes: 30 } },
    { text: "36h", duration: { hours: 36 } },
    { text: "7d", duration: { days: 7 } },
    { text: "2w", duration: { weeks: 2 } },
    { text: "P7D", duration: { days: 7 } },
    { text: "PT36H", duration: { hours: 36 } },
    { text: "P1M", duration: { months: 1 } },
    { text: "P1DT12H30M", duration: { days: 1, hours: 12, minutes: 30 } },
    { text: "p2w", duration: { weeks: 2 } },
  ])("$text", ({ text, duration }) => {
    expect(parseDuration(text)).toEqual(duration);
  });

  it.each(["", "7", "7 days", "-1d", "P", "PT", "1.5h", "P1H", "7y"])("refuses %j", (text) => {
    expect(parseDuration(text)).toBeNull();
  });

  it("adds a month as a calendar month: 31 January + 1 month is 28 February", () => {
    expect(addDuration(new Date("2026-01-31T15:00:00Z"), { months: 1 }, "America/Montevideo").toISOString()).toBe("2026-02-28T15:00:00.000Z");
  });
});

describe("isIsoDate: a real calendar day written YYYY-MM-DD", () => {
  it.each(["2026-08-09", "2026-01-01", "2026-12-31", "2028-02-29", "2026-04-30", "0001-01-01"])("%s is a date", (value) => {
    expect(isIsoDate(value)).toBe(true);
  });

  it.each([
    "2026-08", // a month (Date reads it as the 1st)
    "2026",
    "2026-8-9",
    "2026-08-9",
    "2026-8-09",
    "26-08-09",
    "20260-08-09",
    "2026-08-091",
    "2026-08-09T00:00",
    " 2026-08-09",
    "2026-08-09 ",
    "2026/08/09",
    "+012026-08-09", // an extended year (Date reads it, and writes it back the same)
    "-002026-08-09",
    "2026-02-29", // 2026 is not a leap year (Date rolls it over to 1 March)
    "2026-02-30",
    "2026-04-31",
    "2026-13-01",
    "2026-00-10",
    "2026-08-00",
    "2026-08-32",
    "abcd-ef-gh",
    "",
  ])("%j is not", (value) => {
    expect(isIsoDate(value)).toBe(false);
  });
});

describe("localDate, startOfLocalDay: calendar days in the policy's time zone", () => {
  it.each([
    { at: "2026-08-10T02:59:59.999Z", tz: "America/Montevideo", day: "2026-08-09" },
    { at: "2026-08-10T03:00:00.000Z", tz: "America/Montevideo", day: "2026-08-10" },
    { at: "2026-08-09T14:59:59.999Z", tz: "Asia/Tokyo", day: "2026-08-09" },
    { at: "2026-08-09T15:00:00.000Z", tz: "Asia/Tokyo", day: "2026-08-10" },
    { at: "2026-12-31T23:30:00.000Z", tz: "UTC", day: "2026-12-31" },
  ])("$at is $day in $tz", ({ at, tz, day }) => {
    expect(localDate(new Date(at), tz)).toBe(day);
  });

  it.each([
    { day: "2026-08-09", tz: "America/Montevideo", offset: undefined, start: "2026-08-09T03:00:00.000Z" },
    { day: "2026-08-09", tz: "America/Montevideo", offset: 1, start: "2026-08-10T03:00:00.000Z" },
    { day: "2026-08-31", tz: "America/Montevideo", offset: 1, start: "2026-09-01T03:00:00.000Z" },
    { day: "2026-12-31", tz: "Asia/Tokyo", offset: 1, start: "2026-12-31T15:00:00.000Z" },
    // Madrid moves to summer time on 29 March 2026: that midnight is UTC+1, the next UTC+2.
    { day: "2026-03-29", tz: "Europe/Madrid", offset: undefined, start: "2026-03-28T23:00:00.000Z" },
    { day: "2026-03-29", tz: "Europe/Madrid", offset: 1, start: "2026-03-29T22:00:00.000Z" },
  ])("$day + $offset starts at $start in $tz", ({ day, tz, offset, start }) => {
    const at = offset === undefined ? startOfLocalDay(day, tz) : startOfLocalDay(day, tz, offset);
    expect(at.toISOString()).toBe(start);
  });
});

describe("executionMoment and deletionMoment", () => {
  const TZ = "America/Montevideo";
  const at = new Date("2026-08-09T15:00:00Z");
  const rules = (over: Partial<CalendarRules>): CalendarRules => ({ serviceEnds: { type: "immediately" }, dataDeletion: { type: "never" }, reactivableUntil: { type: "always" }, ...over });

  it.each([
    { name: "service ends at once: as soon as ready", rules: rules({}), on: "2026-08-09", moment: null },
    { name: "seed 002: the day after the last billed month", rules: SEED_002, on: "2026-08-09", moment: "2026-09-01T03:00:00.000Z" },
    { name: "seed 002, counted from the day the client asked", rules: SEED_002, on: "2026-07-05", moment: "2026-08-01T03:00:00.000Z" },
    { name: "service 36 hours after the request", rules: rules({ serviceEnds: { type: "after", duration: { hours: 36 } } }), on: "2026-08-09", moment: "2026-08-12T03:00:00.000Z" },
  ])("execution: $name", ({ rules, on, moment }) => {
    expect(executionMoment(rules, TZ, at, on)?.toISOString() ?? null).toBe(moment);
  });

  it.each([
    { name: "never deleted", rules: rules({}), on: "2026-08-09", moment: null },
    { name: "seed 002: 30 September, at local midnight", rules: SEED_002, on: "2026-08-09", moment: "2026-09-30T03:00:00.000Z" },
    { name: "seed 002, counted from the day the client asked", rules: SEED_002, on: "2026-07-05", moment: "2026-08-31T03:00:00.000Z" },
    { name: "10 days after service ends at once", rules: rules({ dataDeletion: { type: "after_service_ends", duration: { days: 10 } } }), on: "2026-08-09", moment: "2026-08-19T03:00:00.000Z" },
  ])("deletion: $name", ({ rules, on, moment }) => {
    expect(deletionMoment(rules, TZ, at, on)?.toISOString() ?? null).toBe(moment);
  });
});

describe("computeTimeline: each rule on its own", () => {
  const TZ = "America/Montevideo";
  const at = new Date("2026-08-09T15:00:00Z"); // 12:00 on the 9th in Montevideo
  const base: CalendarRules = { serviceEnds: { type: "immediately" }, dataDeletion: { type: "never" }, reactivableUntil: { type: "always" } };

  it.each([
    { name: "a notice rule, service ending at once: billed to the month, ends today", rules: { ...base, notice: { cutoffDay: 10 } }, expected: { lastBilledMonth: "2026-08", serviceEndsOn: "2026-08-09" } },
    { name: "cutoff on the 9th, asked on the 9th: next month billed", rules: { ...base, notice: { cutoffDay: 9 }, serviceEnds: { type: "end_of_month" } }, expected: { lastBilledMonth: "2026-09", serviceEndsOn: "2026-09-30" } },
    { name: "cutoff on the 1st, asked later in the month: next month billed", rules: { ...base, notice: { cutoffDay: 1 }, serviceEnds: { type: "end_of_month" } }, expected: { lastBilledMonth: "2026-09", serviceEndsOn: "2026-09-30" } },
    { name: "service ends 12 hours on: the next local day (UTC would still say the 10th too)", rules: { ...base, serviceEnds: { type: "after", duration: { hours: 12 } } }, expected: { serviceEndsOn: "2026-08-10" } },
    { name: "service ends 9 hours on: 21:00 local, the same day (00:00Z is the 10th in UTC)", rules: { ...base, serviceEnds: { type: "after", duration: { hours: 9 } } }, expected: { serviceEndsOn: "2026-08-09" } },
    { name: "reactivable before deletion, but data is never deleted: no limit", rules: { ...base, reactivableUntil: { type: "before_deletion" } }, expected: { dataDeletedOn: null, reactivableUntil: null } },
    { name: "deletion a month after service ends at once", rules: { ...base, dataDeletion: { type: "after_service_ends", duration: { months: 1 } } }, expected: { dataDeletedOn: "2026-09-09", reactivableUntil: null } },
    { name: "reactivable 2 weeks after service ends", rules: { ...base, reactivableUntil: { type: "after_service_ends", duration: { weeks: 2 } } }, expected: { reactivableUntil: "2026-08-23" } },
  ] satisfies { name: string; rules: CalendarRules; expected: object }[])("$name", ({ rules, expected }) => {
    expect(computeTimeline(rules, [], TZ, at)).toMatchObject({ requestedOn: "2026-08-09", lastBilledMonth: null, ...expected });
  });

  it("a timeline without a ladder has no dunning dates", () => {
    expect(computeTimeline(base, [], TZ, at).dunning).toEqual([]);
  });

  it("gives each step its id, instant and local day", () => {
    expect(computeTimeline(base, [{ id: "late", after: { hours: 10 }, from: "previous" }], TZ, at).dunning).toEqual([
      { id: "late", dueAt: new Date("2026-08-10T01:00:00.000Z"), dueOn: "2026-08-09" },
    ]);
  });
});

describe("DEFAULT_CALENDAR", () => {
  it("a kind without calendar rules: service ends at once, data is never deleted, reactivable always", () => {
    expect(DEFAULT_CALENDAR).toEqual({ serviceEnds: { type: "immediately" }, dataDeletion: { type: "never" }, reactivableUntil: { type: "always" } });
    expect(computeTimeline(DEFAULT_CALENDAR, [], "America/Montevideo", new Date("2026-08-09T15:00:00Z"))).toEqual({
      requestedOn: "2026-08-09",
      lastBilledMonth: null,
      serviceEndsOn: "2026-08-09",
      dataDeletedOn: null,
      reactivableUntil: null,
      dunning: [],
    });
  });
});
