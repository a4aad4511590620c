import { LANGUAGES, type Language } from "./policy.ts";
import { searchKey } from "./text.ts";

// A client's contacts: the rules every way in (the ledger's CSV imports, the
// HTTP connector's answers) applies alike.

/**
 * A phone number in E.164: "+", the country code, the number; 7 to 15 digits
 * in all, nothing else (+59899123456). WhatsApp's click-to-chat links need it.
 */
export const E164 = /^\+[1-9]\d{6,14}$/;

export const E164_HINT = "a phone number in E.164: + and the country code, then the number (e.g. +598 99 123 456); only spaces, dashes and parentheses may separate the digits";

/** What may separate a phone number's digits as people write them: removed before the E.164 check. */
const PHONE_SEPARATORS = /[\s()-]/g;

/** `+598 99 123 456` → `+59899123456`; null when, without spaces, dashes and parentheses, it is not E.164. */
export function normalisePhone(text: string): string | null {
  const compact = text.replace(PHONE_SEPARATORS, "");
  return E164.test(compact) ? compact : null;
}

export function isE164(phone: string | null | undefined): phone is string {
  return typeof phone === "string" && E164.test(phone);
}

/**
 * A contact's role: a lower_snake_case id of the company's choosing (billing,
 * owner, technical, legal…), at most 40 characters. Only `billing` means
 * something to Offboard: collection messages go to billing contacts first.
 */
export const ROLE = /^[a-z][a-z0-9_]{0,39}$/;
export const BILLING_ROLE = "billing";
export const ROLE_HINT = "a role id in lower_snake_case: a letter, then letters, digits or _ (at most 40), e.g. billing, owner";

export const CONTACT_LANGUAGES = LANGUAGES;
export type ContactLanguage = Language;

export function isContactLanguage(value: unknown): value is ContactLanguage {
  return typeof value === "string" && (CONTACT_LANGUAGES as readonly string[]).includes(value);
}

/**
 * Who a contact is, within its client: its email (without case), else its
 * phone (E.164), else its name (without case or accents). Two rows with the
 * same identity are the same contact; null for a contact with none (a scrubbed one).
 */
export function contactIdentity(contact: { name: string; email: string | null; phone: string | null }): { by: "email" | "phone" | "name"; key: string } | null {
  if (contact.email) return { by: "email", key: `email:${contact.email.toLowerCase()}` };
  if (contact.phone) return { by: "phone", key: `phone:${normalisePhone(contact.phone) ?? contact.phone}` };
  const name = searchKey(contact.name) || contact.name.trim().toLowerCase();
  return name ? { by: "name", key: `name:${name}` } : null;
}

/**
 * One of the client's people Offboard may write to (collection emails, the
 * final notice, WhatsApp). Every system of record answers them validated:
 * emails are addresses, phones E.164, languages en, es or pt.
 */
export interface Contact {
  name: string;
  email: string | null;
  /** E.164, e.g. +59899123456. */
  phone: string | null;
  /** A lower_snake_case id (billing, owner…); billing contacts are written to first. */
  role: string | null;
  /** The language to write to the contact in; null: the policy's. */
  language: ContactLanguage | null;
  /** The client's first contact. */
  primary: boolean;
}
