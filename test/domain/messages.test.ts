import { describe, expect, it } from "vitest";
import { fillMessage, messageIn, missingValues, PLACEHOLDERS, placeholdersIn, stepMessages, TEMPLATE_PLACEHOLDERS, type Placeholder } from "../../src/domain/messages.ts";
import type { Messages } from "../../src/domain/policy.ts";

/** Every placeholder with a fixed value, as the sending part will give them. */
const VALUES: Record<Placeholder, string> = {
  client: "Acme SRL",
  contact_name: "Ana Pérez",
  company: "CRFUSION",
  amount_due: "UYU 11.700,00",
  invoices: "F-1  UYU 3.900,00  vencida el 10/07/2026\nF-2  UYU 3.900,00  vencida el 10/08/2026",
  cutoff: "31 de agosto de 2026",
  deletion_date: "30 de septiembre de 2026",
  requester: "Bruno Díaz",
};

describe("PLACEHOLDERS", () => {
  it("is the one list: the issue's placeholders, and the deletion notice's date", () => {
    expect(PLACEHOLDERS).toEqual(["client", "contact_name", "company", "amount_due", "invoices", "cutoff", "deletion_date", "requester"]);
  });
  it("the older template's placeholders are among them", () => {
    for (const name of TEMPLATE_PLACEHOLDERS) expect(PLACEHOLDERS).toContain(name);
  });
});

describe("fillMessage", () => {
  it.each([
    { name: "every placeholder", subject: "{company}: {client}", body: "{contact_name} {amount_due} {cutoff} {deletion_date} {requester}", values: VALUES, expected: { subject: "CRFUSION: Acme SRL", body: "Ana Pérez UYU 11.700,00 31 de agosto de 2026 30 de septiembre de 2026 Bruno Díaz" } },
    { name: "a placeholder twice", subject: undefined, body: "{client}, {client}.", values: VALUES, expected: { body: "Acme SRL, Acme SRL." } },
    { name: "no placeholder at all", subject: "Hola", body: "Sin datos.", values: VALUES, expected: { subject: "Hola", body: "Sin datos." } },
    { name: "braces that are no placeholder", subject: undefined, body: "{} { client } {client name} {a-b} }{ {{ }}", values: VALUES, expected: { body: "{} { client } {client name} {a-b} }{ {{ }}" } },
    { name: "a word in braces that is not a placeholder", subject: undefined, body: "{cliente} y {client}", values: VALUES, expected: { body: "{cliente} y Acme SRL" } },
    { name: "double braces around one", subject: undefined, body: "{{client}}", values: VALUES, expected: { body: "{Acme SRL}" } },
    { name: "a missing value stays as written", subject: "Aviso {cutoff}", body: "{contact_name}: {amount_due}", values: { contact_name: "Ana" }, expected: { subject: "Aviso {cutoff}", body: "Ana: {amount_due}" } },
    { name: "no values at all", subject: undefined, body: "{client}", values: {}, expected: { body: "{client}" } },
    { name: "an empty value is a value", subject: undefined, body: "[{contact_name}]", values: { contact_name: "" }, expected: { body: "[]" } },
    { name: "a value that looks like a placeholder is not read again", subject: undefined, body: "{client} {requester}", values: { client: "{requester}", requester: "Bruno" }, expected: { body: "{requester} Bruno" } },
    { name: "a value with $ patterns is inserted as it is", subject: undefined, body: "Total: {amount_due}", values: { amount_due: "$& $1 $$ 100" }, expected: { body: "Total: $& $1 $$ 100" } },
    { name: "a multi-line value keeps its lines in the body", subject: undefined, body: "Facturas:\n{invoices}\nGracias", values: VALUES, expected: { body: `Facturas:\n${VALUES.invoices}\nGracias` } },
    { name: "a multi-line value in a subject becomes one line", subject: "Facturas {invoices}", body: "x", values: VALUES, expected: { subject: "Facturas F-1  UYU 3.900,00  vencida el 10/07/2026 F-2  UYU 3.900,00  vencida el 10/08/2026", body: "x" } },
  ])("$name", ({ subject, body, values, expected }) => {
    expect(fillMessage(subject === undefined ? { body } : { subject, body }, values)).toEqual(expected);
  });

  it("leaves the template as it was", () => {
    const template = { subject: "{client}", body: "{client}" };
    fillMessage(template, VALUES);
    expect(template).toEqual({ subject: "{client}", body: "{client}" });
  });
});

describe("missingValues and placeholdersIn", () => {
  it.each([
    { name: "all given", text: { subject: "{client}", body: "{amount_due}" }, values: VALUES, missing: [] },
    { name: "some missing, each once, in order, subject first", text: { subject: "{cutoff}", body: "{client} {amount_due} {cutoff} {amount_due}" }, values: { client: "A" }, missing: ["cutoff", "amount_due"] },
    { name: "unknown names and plain braces are not values to give", text: { body: "{cliente} { client } {}" }, values: {}, missing: [] },
  ])("$name", ({ text, values, missing }) => {
    expect(missingValues(text, values)).toEqual(missing);
  });

  it.each([
    ["{client} y {client}", ["client"]],
    ["{nombre} {client} {cutoff}", ["nombre", "client", "cutoff"]],
    ["{ client } {} {a-b} plain", []],
  ])("placeholdersIn(%j)", (text, names) => {
    expect(placeholdersIn(text)).toEqual(names);
  });
});

describe("what a step tells the client", () => {
  const message: Messages = { es: { subject: "Aviso", body: "Hola {client}" } };
  it.each([
    { name: "its message", step: { message }, expected: message },
    { name: "its older template, read as body-only messages", step: { template: { es: "{client}: {cutoff}", en: "{client}, {cutoff}" } }, expected: { es: { body: "{client}: {cutoff}" }, en: { body: "{client}, {cutoff}" } } },
    { name: "nothing", step: {}, expected: undefined },
    { name: "an empty template", step: { template: {} }, expected: undefined },
  ])("$name", ({ step, expected }) => {
    expect(stepMessages(step)).toEqual(expected);
  });

  const all: Messages = { es: { body: "es" }, pt: { body: "pt" } };
  it.each([
    { name: "the contact's language", language: "pt" as const, policy: "es" as const, expected: "pt" },
    { name: "else the policy's", language: "en" as const, policy: "es" as const, expected: "es" },
    { name: "no contact language: the policy's", language: null, policy: "pt" as const, expected: "pt" },
    { name: "neither: the first of en, es, pt given", language: "en" as const, policy: "en" as const, expected: "es" },
  ])("messageIn: $name", ({ language, policy, expected }) => {
    expect(messageIn(all, language, policy)).toEqual({ language: expected, text: { body: expected } });
  });
  it("messageIn: a message in no language is none", () => {
    expect(messageIn({}, "es", "es")).toBeUndefined();
  });
});
