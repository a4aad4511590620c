import type { Language } from "../../domain/policy.ts";
import { formatMinor } from "../../domain/money.ts";
import { t } from "../i18n/catalog.ts";

/** What every view needs to speak to its reader. */
export interface ViewContext {
  language: Language;
  /** The policy's language, for labels missing in the reader's. */
  policyLanguage: Language;
  timezone: string;
}

const LOCALES: Record<Language, string> = { en: "en-GB", es: "es", pt: "pt-BR" };

/** "9 Aug 2026, 11:00" in the policy's time zone, in the reader's language. */
export function formatDateTime(at: Date, ctx: ViewContext): string {
  return formatter(`dt:${ctx.language}:${ctx.timezone}`, () => new Intl.DateTimeFormat(LOCALES[ctx.language], { dateStyle: "medium", timeStyle: "short", timeZone: ctx.timezone })).format(at);
}

/** Intl formatters are costly to build and never change: one per language, zone and style. */
const formatters = new Map<string, { format(value: never): string }>();
function formatter<T extends { format(value: never): string }>(key: string, build: () => T): T {
  let found = formatters.get(key) as T | undefined;
  if (!found) formatters.set(key, (found = build()));
  return found;
}

/** A calendar date given as YYYY-MM-DD, written for the reader. */
export function formatCalendarDate(isoDate: string, ctx: ViewContext): string {
  return formatter(`d:${ctx.language}`, () => new Intl.DateTimeFormat(LOCALES[ctx.language], { dateStyle: "medium", timeZone: "UTC" })).format(new Date(`${isoDate}T00:00:00Z`));
}

/** "USD 120.00" / "US$ 120,00", from integer minor units, without floats. */
export function formatMoney(minor: bigint | string, currency: string, ctx: ViewContext): string {
  const decimal = formatMinor(BigInt(minor), currency);
  const format = formatter(`m:${ctx.language}:${currency}`, () => new Intl.NumberFormat(LOCALES[ctx.language], { style: "currency", currency, currencyDisplay: "code" }));
  // Intl formats decimal strings exactly (no float conversion).
  return format.format(decimal as unknown as number);
}

/** Who did something: a Slack mention, or Offboard itself for scheduled work. */
export function who(actor: string, ctx: ViewContext): string {
  return actor === "system" ? t(ctx.language, "who.system") : mention(actor);
}

export function mention(userId: string): string {
  return /^[UW][A-Z0-9]+$/.test(userId) ? `<@${userId}>` : escapeText(userId);
}

/**
 * User-written text shown in mrkdwn: &, < and > escaped so nobody can write
 * `<!channel>` or a fake link into a card.
 */
export function escapeText(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Slack's hard limits on text fields, cut with an ellipsis. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
