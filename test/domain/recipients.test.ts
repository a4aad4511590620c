import { describe, expect, it } from "vitest";
import { contactIdentity, normalisePhone } from "../../src/domain/contacts.ts";
import { chooseRecipients, type Channel, type ContactForRecipients } from "../../src/domain/recipients.ts";
import type { Language } from "../../src/domain/policy.ts";

function contact(name: string, extra: Partial<ContactForRecipients> = {}): ContactForRecipients {
  return { name, email: null, phone: null, role: null, language: null, primary: false, ...extra };
}

const ana = contact("Ana", { email: "ana@acme.test", phone: "+59899123456", primary: true, language: "es" });
const bruno = contact("Bruno", { email: "bruno@acme.test", role: "billing", language: "pt" });
const carla = contact("Carla", { phone: "+5511912345678", role: "owner" });
const dora = contact("Dora", { email: "dora@acme.test", role: "billing", primary: true });
const eva = contact("Eva");
const legacy = contact("Legacy", { phone: "099 123 456" });

describe("chooseRecipients", () => {
  it.each<{ name: string; contacts: ContactForRecipients[]; channel: Channel; policy: Language; to: string[]; language: Language; unreachable: string[] }>([
    { name: "no contacts: nobody, the policy's language", contacts: [], channel: "email", policy: "es", to: [], language: "es", unreachable: [] },
    { name: "email: only contacts with an address", contacts: [carla, ana, eva], channel: "email", policy: "en", to: ["ana@acme.test"], language: "es", unreachable: ["Carla", "Eva"] },
    { name: "whatsapp: only contacts with an E.164 phone", contacts: [bruno, carla, ana, legacy], channel: "whatsapp", policy: "en", to: ["+59899123456", "+5511912345678"], language: "es", unreachable: ["Bruno", "Legacy"] },
    { name: "billing before primary before the rest", contacts: [ana, contact("Zed", { email: "zed@acme.test" }), bruno], channel: "email", policy: "en", to: ["bruno@acme.test", "ana@acme.test", "zed@acme.test"], language: "pt", unreachable: [] },
    { name: "a primary billing contact before another billing contact", contacts: [bruno, dora, ana], channel: "email", policy: "en", to: ["dora@acme.test", "bruno@acme.test", "ana@acme.test"], language: "en", unreachable: [] },
    { name: "the rest keep their order", contacts: [contact("B", { email: "b@x.test" }), contact("A", { email: "a@x.test" })], channel: "email", policy: "en", to: ["b@x.test", "a@x.test"], language: "en", unreachable: [] },
    { name: "an address two contacts share is written to once", contacts: [ana, contact("Ana again", { email: "ANA@acme.test", role: "billing" })], channel: "email", policy: "en", to: ["ANA@acme.test"], language: "en", unreachable: [] },
    { name: "a shared phone once", contacts: [ana, contact("Front desk", { phone: "+59899123456" })], channel: "whatsapp", policy: "en", to: ["+59899123456"], language: "es", unreachable: [] },
    { name: "no usable address: nobody, all unreachable, the policy's language", contacts: [eva, carla], channel: "email", policy: "pt", to: [], language: "pt", unreachable: ["Eva", "Carla"] },
    { name: "a blank email is no address", contacts: [contact("Blank", { email: "  " })], channel: "email", policy: "en", to: [], language: "en", unreachable: ["Blank"] },
  ])("$name", ({ contacts, channel, policy, to, language, unreachable }) => {
    const chosen = chooseRecipients(contacts, channel, policy);
    expect(chosen.channel).toBe(channel);
    expect(chosen.recipients.map((r) => r.address)).toEqual(to);
    expect(chosen.language).toBe(language);
    expect(chosen.unreachable.map((c) => c.name)).toEqual(unreachable);
  });

  it("each recipient's language is its own, else the policy's", () => {
    const chosen = chooseRecipients([ana, bruno, dora], "email", "en");
    expect(chosen.recipients.map((r) => [r.contact.name, r.language])).toEqual([
      ["Dora", "en"],
      ["Bruno", "pt"],
      ["Ana", "es"],
    ]);
    // The message's language is the first recipient's: Dora has none, so the policy's.
    expect(chosen.language).toBe("en");
    expect(chooseRecipients([ana, bruno, dora], "email", "es").language).toBe("es");
  });

  it("returns the caller's own contact objects", () => {
    const withId = { ...bruno, id: 7 };
    expect(chooseRecipients([withId], "email", "en").recipients[0]!.contact).toBe(withId);
  });
});

describe("normalisePhone (E.164)", () => {
  it.each([
    ["+598 99 123 456", "+59899123456"],
    ["+55 (11) 91234-5678", "+5511912345678"],
    ["+1 555 0101", "+15550101"],
    ["+44\t20 7946 0958", "+442079460958"],
    ["+59899123456", "+59899123456"],
    ["099 123 456", null],
    ["0059899123456", null],
    ["+0 99 123 456", null],
    ["+598.99.123.456", null],
    ["+598 99 123 456 ext 2", null],
    ["+12345", null],
    ["+1234567890123456", null],
    ["", null],
  ])("%j → %j", (input, expected) => {
    expect(normalisePhone(input)).toBe(expected);
  });
});

describe("contactIdentity", () => {
  it.each([
    [{ name: "Ana", email: "Ana@Acme.test", phone: "+59899123456" }, "email:ana@acme.test"],
    [{ name: "Ana", email: null, phone: "+598 99 123 456" }, "phone:+59899123456"],
    [{ name: "Ána  Pérez", email: null, phone: null }, "name:ana perez"],
    [{ name: "---", email: null, phone: null }, "name:---"],
  ])("%j is %s", (contact, key) => {
    expect(contactIdentity(contact)?.key).toBe(key);
  });

  it("a scrubbed contact has none", () => {
    expect(contactIdentity({ name: "", email: null, phone: null })).toBeNull();
  });
});
