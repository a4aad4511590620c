import { BILLING_ROLE, isE164, type Contact, type ContactLanguage } from "./contacts.ts";

// Who a message to a client goes to, and in which language. Pure: the caller
// reads the contacts from the system of record and writes the message.

/** How a message reaches the client: an email, or a WhatsApp click-to-chat link to a phone. */
export type Channel = "email" | "whatsapp";

/** What the choice needs to know about a contact: the system of record's contact shape. */
export type ContactForRecipients = Contact;

export interface Recipient<C extends ContactForRecipients> {
  contact: C;
  /** The email address or the E.164 phone, as the channel needs. */
  address: string;
  /** The contact's language, else the policy's. */
  language: ContactLanguage;
}

export interface Recipients<C extends ContactForRecipients> {
  channel: Channel;
  /** Billing contacts first, then the primary contact, then the others as given; one per address. */
  recipients: Recipient<C>[];
  /**
   * The language to write the message in: the first recipient's (its own, else
   * the policy's); the policy's when there is no recipient.
   */
  language: ContactLanguage;
  /** Contacts the channel cannot reach (no email; no E.164 phone), in the order given: to say why nobody, or somebody, is left out. */
  unreachable: C[];
}

/**
 * The contacts a message on `channel` can go to: for email those with an
 * email address, for WhatsApp those with an E.164 phone. Billing contacts
 * (role `billing`) come first, then the primary contact, then the rest in the
 * order given; an address two contacts share is written to once (the first
 * of them). No recipient at all is not an error here: the caller says so.
 */
export function chooseRecipients<C extends ContactForRecipients>(contacts: readonly C[], channel: Channel, policyLanguage: ContactLanguage): Recipients<C> {
  const addressOf = (c: C): string | null => (channel === "email" ? (c.email?.trim() ? c.email.trim() : null) : isE164(c.phone) ? c.phone : null);
  const rank = (c: C) => (c.role === BILLING_ROLE ? 0 : 2) + (c.primary ? 0 : 1);
  const ordered = contacts.map((contact, index) => ({ contact, index })).sort((a, b) => rank(a.contact) - rank(b.contact) || a.index - b.index);
  const seen = new Set<string>();
  const recipients: Recipient<C>[] = [];
  for (const { contact } of ordered) {
    const address = addressOf(contact);
    if (address === null) continue;
    const key = channel === "email" ? address.toLowerCase() : address;
    if (seen.has(key)) continue;
    seen.add(key);
    recipients.push({ contact, address, language: contact.language ?? policyLanguage });
  }
  return {
    channel,
    recipients,
    language: recipients[0]?.language ?? policyLanguage,
    unreachable: contacts.filter((c) => addressOf(c) === null),
  };
}
