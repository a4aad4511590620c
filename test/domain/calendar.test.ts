import { describe, expect, it } from "vitest";
import { computeTimeline, type CalendarRules, type DunningStepRule } from "../../src/domain/calendar.ts";
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
