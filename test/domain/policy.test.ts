import { describe, expect, it } from "vitest";
import { policySchema } from "../../src/config/policy-schema.ts";
import { checkApplies, DEFAULT_REMINDERS, labelFor, type CheckDefinition, type ClientFacts, type Label, type Language } from "../../src/domain/policy.ts";
import { testPolicyInput } from "../support/policy.ts";

describe("labelFor: the reader's language, else the fallback, else en, es, pt", () => {
  it.each<{ label: Label; language: Language; fallback?: Language; shown: string }>([
    { label: "Plain text", language: "pt", shown: "Plain text" },
    { label: { en: "E", es: "S", pt: "P" }, language: "pt", shown: "P" },
    { label: { en: "E", es: "S", pt: "P" }, language: "es", fallback: "pt", shown: "S" },
    { label: { en: "E", es: "S" }, language: "pt", fallback: "es", shown: "S" },
    { label: { en: "E", es: "S" }, language: "pt", shown: "E" },
    // The fallback comes before English.
    { label: { en: "E", pt: "P" }, language: "es", fallback: "pt", shown: "P" },
    // Neither: the first of en, es, pt given.
    { label: { es: "S", pt: "P" }, language: "en", fallback: "en", shown: "S" },
    { label: { es: "S" }, language: "pt", fallback: "en", shown: "S" },
    { label: { pt: "P" }, language: "en", fallback: "es", shown: "P" },
    { label: { en: "E" }, language: "es", fallback: "pt", shown: "E" },
    { label: {}, language: "en", shown: "" },
  ])("$label in $language (fallback $fallback): $shown", ({ label, language, fallback, shown }) => {
    expect(fallback ? labelFor(label, language, fallback) : labelFor(label, language)).toBe(shown);
  });
});

describe("checkApplies: a check applies when every fact its `when` lists has the value given", () => {
  const check = (when?: Partial<ClientFacts>): CheckDefinition => ({ id: "c", label: "C", type: "manual", evidence: "none", required: true, ...(when ? { when } : {}) });
  const facts = (thirdParty: boolean, hostedDatabase: boolean): ClientFacts => ({ thirdParty, hostedDatabase });

  it.each([
    { name: "no condition, no facts", when: undefined, facts: facts(false, false), applies: true },
    { name: "no condition, every fact", when: undefined, facts: facts(true, true), applies: true },
    { name: "an empty condition", when: {}, facts: facts(false, false), applies: true },
    { name: "third party: yes, and it is", when: { thirdParty: true }, facts: facts(true, false), applies: true },
    { name: "third party: yes, and it is not", when: { thirdParty: true }, facts: facts(false, true), applies: false },
    { name: "third party: no, and it is not", when: { thirdParty: false }, facts: facts(false, true), applies: true },
    { name: "third party: no, and it is", when: { thirdParty: false }, facts: facts(true, false), applies: false },
    { name: "hosted database: yes, and it is", when: { hostedDatabase: true }, facts: facts(false, true), applies: true },
    { name: "hosted database: yes, and it is not", when: { hostedDatabase: true }, facts: facts(true, false), applies: false },
    // Two facts: both must hold ("all", not "any").
    { name: "both facts, both hold", when: { thirdParty: true, hostedDatabase: true }, facts: facts(true, true), applies: true },
    { name: "both facts, only the first holds", when: { thirdParty: true, hostedDatabase: true }, facts: facts(true, false), applies: false },
    { name: "both facts, only the second holds", when: { thirdParty: true, hostedDatabase: true }, facts: facts(false, true), applies: false },
    { name: "both facts, neither holds", when: { thirdParty: true, hostedDatabase: true }, facts: facts(false, false), applies: false },
    { name: "one yes and one no, both hold", when: { thirdParty: true, hostedDatabase: false }, facts: facts(true, false), applies: true },
  ])("$name", ({ when, facts, applies }) => {
    expect(checkApplies(check(when), facts)).toBe(applies);
  });
});

describe("DEFAULT_REMINDERS", () => {
  it("a policy without reminders gets what an empty reminders block gives: weekdays 09:00 to 18:00, daily, 3 times", () => {
    const withEmptyBlock = policySchema.parse({ ...testPolicyInput(), reminders: {} }).reminders;
    expect(withEmptyBlock).toEqual({ businessHours: { days: [1, 2, 3, 4, 5], from: "09:00", to: "18:00" }, repeatEvery: { days: 1 }, maxReminders: 3 });
    expect(DEFAULT_REMINDERS).toEqual(withEmptyBlock);
    expect(policySchema.parse(testPolicyInput()).reminders).toBe(DEFAULT_REMINDERS);
  });
});
