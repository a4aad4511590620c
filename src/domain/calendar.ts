import { TZDate } from "@date-fns/tz";
import { format } from "date-fns";

/** The calendar day (YYYY-MM-DD) an instant falls on in a time zone. */
export function localDate(at: Date, timezone: string): string {
  return format(new TZDate(at, timezone), "yyyy-MM-dd");
}

export function isIsoDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
}
