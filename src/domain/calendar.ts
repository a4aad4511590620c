import { TZDate } from "@date-fns/tz";
import { addDays, addMonths, format, lastDayOfMonth } from "date-fns";
import { addDuration, type PolicyDuration } from "./duration.ts";

/** The calendar day (YYYY-MM-DD) an instant falls on in a time zone. */
export function localDate(at: Date, timezone: string): string {
  return format(new TZDate(at, timezone), "yyyy-MM-dd");
}

export function isIsoDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
}

/**
 * The calendar rules of a kind (seed 002 is the reference). Every rule counts
 * in the policy's time zone: "before the 10th" is the 10th there.
 */
/** How a kind's service ends, when its data is deleted and until when it can be reactivated (schema: snapshot.ts). */
export type { CalendarRules } from "./snapshot.ts";
import type { CalendarRules } from "./snapshot.ts";

export const DEFAULT_CALENDAR: CalendarRules = {
  serviceEnds: { type: "immediately" },
  dataDeletion: { type: "never" },
  reactivableUntil: { type: "always" },
};

export interface DunningStepRule {
  id: string;
  after: PolicyDuration;
  from: "request" | "previous";
}

export interface Timeline {
  /** YYYY-MM-DD: the day the request counts from, in the policy's time zone. */
  requestedOn: string;
  /** YYYY-MM: the last month billed; null without a notice rule. */
  lastBilledMonth: string | null;
  serviceEndsOn: string;
  /** null: never (seed 000: client data is never deleted). */
  dataDeletedOn: string | null;
  /** The last day reactivation is possible; null: no limit. */
  reactivableUntil: string | null;
  dunning: { id: string; dueAt: Date; dueOn: string }[];
}

/** A calendar date (YYYY-MM-DD) as a date-fns date that lives in UTC, for pure calendar arithmetic. */
function day(iso: string): TZDate {
  const [y, m, d] = iso.split("-").map(Number) as [number, number, number];
  return new TZDate(y, m - 1, d, "UTC");
}

const iso = (date: TZDate) => format(date, "yyyy-MM-dd");

/**
 * The dates a request made at `requestedAt` (or counted from `requestedOn`,
 * the day the client asked) gets under these rules.
 */
export function computeTimeline(
  rules: CalendarRules,
  dunning: DunningStepRule[],
  timezone: string,
  requestedAt: Date,
  requestedOn: string = localDate(requestedAt, timezone),
): Timeline {
  const requested = day(requestedOn);
  let lastBilled: TZDate | null = null;
  if (rules.notice) {
    lastBilled = requested.getDate() < rules.notice.cutoffDay ? requested : addMonths(requested, 1);
  }

  let serviceEnds: TZDate;
  switch (rules.serviceEnds.type) {
    case "end_of_month":
      serviceEnds = lastDayOfMonth(lastBilled ?? requested);
      break;
    case "immediately":
      serviceEnds = requested;
      break;
    case "after":
      serviceEnds = day(localDate(addDuration(requestedAt, rules.serviceEnds.duration, timezone), timezone));
      break;
  }

  let deletion: TZDate | null;
  switch (rules.dataDeletion.type) {
    case "never":
      deletion = null;
      break;
    case "end_of_following_month":
      deletion = lastDayOfMonth(addMonths(serviceEnds, 1));
      break;
    case "after_service_ends":
      deletion = day(localDate(addDuration(serviceEnds, rules.dataDeletion.duration, "UTC"), "UTC"));
      break;
  }

  let reactivable: TZDate | null;
  switch (rules.reactivableUntil.type) {
    case "always":
      reactivable = null;
      break;
    case "before_deletion":
      reactivable = deletion ? addDays(deletion, -1) : null;
      break;
    case "after_service_ends":
      reactivable = day(localDate(addDuration(serviceEnds, rules.reactivableUntil.duration, "UTC"), "UTC"));
      break;
  }

  const steps: Timeline["dunning"] = [];
  let previous = requestedAt;
  for (const step of dunning) {
    const dueAt = addDuration(step.from === "request" ? requestedAt : previous, step.after, timezone);
    steps.push({ id: step.id, dueAt, dueOn: localDate(dueAt, timezone) });
    previous = dueAt;
  }

  return {
    requestedOn,
    lastBilledMonth: lastBilled ? format(lastBilled, "yyyy-MM") : null,
    serviceEndsOn: iso(serviceEnds),
    dataDeletedOn: deletion ? iso(deletion) : null,
    reactivableUntil: reactivable ? iso(reactivable) : null,
    dunning: steps,
  };
}

/**
 * When a ready request may be executed: the start of the day after service
 * ends, in the policy's time zone; null when service ends at once (execute
 * as soon as it is ready).
 */
export function executionMoment(rules: CalendarRules, timezone: string, requestedAt: Date, requestedOn: string): Date | null {
  if (rules.serviceEnds.type === "immediately") return null;
  const { serviceEndsOn } = computeTimeline(rules, [], timezone, requestedAt, requestedOn);
  return startOfLocalDay(serviceEndsOn, timezone, 1);
}

/** The instant a calendar day (YYYY-MM-DD), or one `offsetDays` later, starts in a time zone. */
export function startOfLocalDay(isoDay: string, timezone: string, offsetDays = 0): Date {
  const [y, m, d] = isoDay.split("-").map(Number) as [number, number, number];
  return new Date(new TZDate(y, m - 1, d + offsetDays, timezone).getTime());
}

/** When data is deleted: the start of the deletion day in the policy's time zone; null when never. */
export function deletionMoment(rules: CalendarRules, timezone: string, requestedAt: Date, requestedOn: string): Date | null {
  const { dataDeletedOn } = computeTimeline(rules, [], timezone, requestedAt, requestedOn);
  return dataDeletedOn ? startOfLocalDay(dataDeletedOn, timezone) : null;
}
