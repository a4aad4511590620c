import { TZDate } from "@date-fns/tz";
import { add, type Duration } from "date-fns";

/**
 * Policy durations: `45s`, `30m`, `36h`, `7d`, `2w`, or ISO 8601 (`P7D`,
 * `PT36H`, `P1M`, `P1DT12H`). Days, weeks, months and years are calendar
 * units in the policy's time zone (a day across a daylight-saving change is
 * 23 or 25 hours); hours, minutes and seconds are exact.
 */
export type PolicyDuration = Duration;

const SHORT = /^(\d{1,6})(s|m|h|d|w)$/;
const ISO = /^P(?!$)(?:(\d{1,4})Y)?(?:(\d{1,4})M)?(?:(\d{1,4})W)?(?:(\d{1,5})D)?(?:T(?!$)(?:(\d{1,6})H)?(?:(\d{1,6})M)?(?:(\d{1,6})S)?)?$/;

export function parseDuration(text: string): PolicyDuration | null {
  const short = SHORT.exec(text.trim());
  if (short) {
    const n = Number(short[1]);
    const unit = { s: "seconds", m: "minutes", h: "hours", d: "days", w: "weeks" }[short[2] as "s"] as keyof Duration;
    return { [unit]: n };
  }
  const iso = ISO.exec(text.trim().toUpperCase());
  if (!iso) return null;
  const [, years, months, weeks, days, hours, minutes, seconds] = iso;
  const duration: Duration = {};
  const put = (key: keyof Duration, value: string | undefined) => {
    if (value !== undefined) duration[key] = Number(value);
  };
  put("years", years);
  put("months", months);
  put("weeks", weeks);
  put("days", days);
  put("hours", hours);
  put("minutes", minutes);
  put("seconds", seconds);
  return duration;
}

/** `at` plus a duration, calendar units counted in `timezone`. */
export function addDuration(at: Date, duration: PolicyDuration, timezone: string): Date {
  const { hours = 0, minutes = 0, seconds = 0, ...calendar } = duration;
  const local = add(new TZDate(at, timezone), calendar);
  return new Date(local.getTime() + ((hours * 60 + minutes) * 60 + seconds) * 1000);
}

export function durationMs(duration: PolicyDuration): number | null {
  if (duration.years || duration.months || duration.weeks || duration.days) return null;
  return (((duration.hours ?? 0) * 60 + (duration.minutes ?? 0)) * 60 + (duration.seconds ?? 0)) * 1000;
}
