import type { DunningStep, Language, Messages, MessageText } from "./policy.ts";

/**
 * Messages to clients (seeds 000 and 002): the placeholders a policy's
 * messages may use, and filling them in. Pure: the values come from the
 * caller (the client, its contact, its invoices, the calendar's dates).
 * The policy file's rules about where each placeholder may appear are
 * config/policy-schema.ts; they read this list.
 */

/**
 * Every placeholder, written `{name}` in a subject or body:
 * - `client`: the client's name; `contact_name`: the person written to;
 * - `company`: the policy's `company` (who writes); `requester`: who opened the request;
 * - `amount_due`: what the client owes, per currency; `invoices`: one line per unpaid invoice (number, amount, due date);
 * - `cutoff`: the date access ends (a final notice only);
 * - `deletion_date`: the date the client's data is deleted (a deletion notice only).
 */
export const PLACEHOLDERS = ["client", "contact_name", "company", "amount_due", "invoices", "cutoff", "deletion_date", "requester"] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

/** What a step's older `template` may use (it is filled by the reminder in the thread, which knows only these). */
export const TEMPLATE_PLACEHOLDERS = ["client", "cutoff"] as const satisfies readonly Placeholder[];

/** `{name}`, a word in braces: a placeholder as written. Anything else in braces (`{ }`, `{a b}`, `{a-b}`) is plain text. */
const WRITTEN = /\{(\w+)\}/g;

export function isPlaceholder(name: string): name is Placeholder {
  return (PLACEHOLDERS as readonly string[]).includes(name);
}

/** The names written as placeholders in a text, each once, in order (known or not). */
export function placeholdersIn(text: string): string[] {
  return [...new Set([...text.matchAll(WRITTEN)].map((m) => m[1]!))];
}

/** `{client}, {contact_name}, …`: a list of placeholders as a reader writes them. */
export function listPlaceholders(names: readonly string[]): string {
  return names.map((n) => `{${n}}`).join(", ");
}

function fill(text: string, values: Partial<Record<Placeholder, string>>): string {
  // One pass: a value is inserted as it is, never read again for placeholders (nor for `$&`).
  return text.replace(WRITTEN, (written, name: string) => (isPlaceholder(name) ? (values[name] ?? written) : written));
}

/**
 * The message with its placeholders replaced by their values. A placeholder
 * without a value, and braces that are no placeholder, stay as written (see
 * missingValues, to refuse sending such a message). A subject is one line:
 * line breaks a value brings into it become spaces.
 */
export function fillMessage(template: MessageText, values: Partial<Record<Placeholder, string>>): MessageText {
  const body = fill(template.body, values);
  if (template.subject === undefined) return { body };
  return { subject: fill(template.subject, values).replace(/\s*[\r\n]+\s*/g, " "), body };
}

/** The placeholders a message uses that have no value, each once, in order. */
export function missingValues(template: MessageText, values: Partial<Record<Placeholder, string>>): Placeholder[] {
  const used = placeholdersIn(`${template.subject ?? ""}\n${template.body}`).filter(isPlaceholder);
  return used.filter((name) => values[name] === undefined);
}

/**
 * What a step tells the client: its `message`, else its older `template`
 * read as body-only messages (`template: { es: T }` is `message: { es: { body: T } }`).
 */
export function stepMessages(step: Pick<DunningStep, "message" | "template">): Messages | undefined {
  if (step.message) return step.message;
  if (!step.template) return undefined;
  const messages: Messages = {};
  for (const [language, body] of Object.entries(step.template) as [Language, string | undefined][]) {
    if (body !== undefined) messages[language] = { body };
  }
  return Object.keys(messages).length > 0 ? messages : undefined;
}

/** The message in the contact's language, else in the policy's, else in the first of en, es, pt it is given in. */
export function messageIn(messages: Messages, language: Language | null | undefined, policyLanguage: Language): { language: Language; text: MessageText } | undefined {
  for (const candidate of [language, policyLanguage, "en", "es", "pt"] as const) {
    const text = candidate ? messages[candidate] : undefined;
    if (candidate && text) return { language: candidate, text };
  }
  return undefined;
}
