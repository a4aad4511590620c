import { describe, expect, expectTypeOf, it } from "vitest";
import { IntlMessageFormat } from "intl-messageformat";
import { LANGUAGES, type Language } from "../../src/domain/policy.ts";
import { catalogs, t, type MessageKey, type ParamsOf } from "../../src/slack/i18n/catalog.ts";

const COUNTS = [0, 1, 2, 21, 1_000_000] as const;

/**
 * Each plural message, in each language, at 0, 1, 2, 21 and a million. A row
 * starting with "…" is the end of the text. On Node 20's ICU, en has one (1) and
 * other; es and pt have one, many (whole millions: "1.000.000 de …") and other,
 * and pt's one is 0 and 1 (Brazilian usage: "zero grau", "0 fatura").
 */
const PLURALS: { key: MessageKey; params: Record<string, string>; count: string; texts: Record<Language, readonly [string, string, string, string, string]> }[] = [
  {
    key: "detail.charges",
    params: { list: "F-1" },
    count: "count",
    texts: {
      en: ["0 unpaid invoices: F-1", "1 unpaid invoice: F-1", "2 unpaid invoices: F-1", "21 unpaid invoices: F-1", "1,000,000 unpaid invoices: F-1"],
      es: ["0 facturas impagas: F-1", "1 factura impaga: F-1", "2 facturas impagas: F-1", "21 facturas impagas: F-1", "1.000.000 de facturas impagas: F-1"],
      pt: ["0 fatura em aberto: F-1", "1 fatura em aberto: F-1", "2 faturas em aberto: F-1", "21 faturas em aberto: F-1", "1.000.000 de faturas em aberto: F-1"],
    },
  },
  {
    key: "detail.equipment",
    params: { list: "ONT" },
    count: "count",
    texts: {
      en: [
        "0 items of loaned equipment still with the client: ONT",
        "1 item of loaned equipment still with the client: ONT",
        "2 items of loaned equipment still with the client: ONT",
        "21 items of loaned equipment still with the client: ONT",
        "1,000,000 items of loaned equipment still with the client: ONT",
      ],
      es: [
        "0 equipos en comodato aún con el cliente: ONT",
        "1 equipo en comodato aún con el cliente: ONT",
        "2 equipos en comodato aún con el cliente: ONT",
        "21 equipos en comodato aún con el cliente: ONT",
        "1.000.000 de equipos en comodato aún con el cliente: ONT",
      ],
      pt: [
        "0 equipamento em comodato ainda com o cliente: ONT",
        "1 equipamento em comodato ainda com o cliente: ONT",
        "2 equipamentos em comodato ainda com o cliente: ONT",
        "21 equipamentos em comodato ainda com o cliente: ONT",
        "1.000.000 de equipamentos em comodato ainda com o cliente: ONT",
      ],
    },
  },
  {
    key: "button.releaseInvoices",
    params: {},
    count: "count",
    texts: {
      en: ["Release 0 invoices from hold", "Release 1 invoice from hold", "Release 2 invoices from hold", "Release 21 invoices from hold", "Release 1,000,000 invoices from hold"],
      es: ["Quitar 0 facturas de espera", "Quitar 1 factura de espera", "Quitar 2 facturas de espera", "Quitar 21 facturas de espera", "Quitar 1.000.000 de facturas de espera"],
      pt: ["Tirar 0 fatura da espera", "Tirar 1 fatura da espera", "Tirar 2 faturas da espera", "Tirar 21 faturas da espera", "Tirar 1.000.000 de faturas da espera"],
    },
  },
  {
    key: "modal.inactive.count",
    params: {},
    count: "count",
    texts: {
      en: [
        "0 inactive clients; the most recent first.",
        "1 inactive client; the most recent first.",
        "2 inactive clients; the most recent first.",
        "21 inactive clients; the most recent first.",
        "1,000,000 inactive clients; the most recent first.",
      ],
      es: [
        "0 clientes inactivos; los más recientes primero.",
        "1 cliente inactivo; los más recientes primero.",
        "2 clientes inactivos; los más recientes primero.",
        "21 clientes inactivos; los más recientes primero.",
        "1.000.000 de clientes inactivos; los más recientes primero.",
      ],
      pt: [
        "0 cliente inativo; os mais recentes primeiro.",
        "1 cliente inativo; os mais recentes primeiro.",
        "2 clientes inativos; os mais recentes primeiro.",
        "21 clientes inativos; os mais recentes primeiro.",
        "1.000.000 de clientes inativos; os mais recentes primeiro.",
      ],
    },
  },
  {
    key: "error.REACTIVATION.RESTART_REQUIRED",
    params: { unpaid: "F-1" },
    count: "monthsInAdvance",
    texts: {
      en: ["…and pay 0 months in advance.", "…and pay 1 month in advance.", "…and pay 2 months in advance.", "…and pay 21 months in advance.", "…and pay 1,000,000 months in advance."],
      es: ["…y abonar 0 meses por adelantado.", "…y abonar 1 mes por adelantado.", "…y abonar 2 meses por adelantado.", "…y abonar 21 meses por adelantado.", "…y abonar 1.000.000 de meses por adelantado."],
      pt: ["…e pagar 0 mês adiantado.", "…e pagar 1 mês adiantado.", "…e pagar 2 meses adiantados.", "…e pagar 21 meses adiantados.", "…e pagar 1.000.000 de meses adiantados."],
    },
  },
  {
    key: "reminder.escalate",
    params: { approvers: "@a" },
    count: "count",
    texts: {
      en: [
        "@a: reminded 0 times without being done.",
        "@a: reminded 1 time without being done.",
        "@a: reminded 2 times without being done.",
        "@a: reminded 21 times without being done.",
        "@a: reminded 1,000,000 times without being done.",
      ],
      es: ["@a: recordado 0 veces sin hacerse.", "@a: recordado 1 vez sin hacerse.", "@a: recordado 2 veces sin hacerse.", "@a: recordado 21 veces sin hacerse.", "@a: recordado 1.000.000 de veces sin hacerse."],
      pt: ["@a: lembrado 0 vez sem ser feito.", "@a: lembrado 1 vez sem ser feito.", "@a: lembrado 2 vezes sem ser feito.", "@a: lembrado 21 vezes sem ser feito.", "@a: lembrado 1.000.000 de vezes sem ser feito."],
    },
  },
];

/** `t` with params only known at run time, as the table has them. */
const render = (language: Language, key: MessageKey, params: Record<string, string | number>) => t(language, key, params);

describe("plurals", () => {
  it("Node's plural rules are the ones the messages are written for", () => {
    const categories = (language: Language) => COUNTS.map((n) => new Intl.PluralRules(language).select(n));
    expect(categories("en")).toEqual(["other", "one", "other", "other", "other"]);
    expect(categories("es")).toEqual(["other", "one", "other", "other", "many"]);
    expect(categories("pt")).toEqual(["one", "one", "other", "other", "many"]);
  });

  it("every plural message of the catalog is in the table below", () => {
    const plural = Object.entries(catalogs.en).filter(([, text]) => /\{\s*\w+\s*,\s*plural\s*,/.test(text));
    expect(plural.map(([key]) => key).sort()).toEqual(PLURALS.map((p) => p.key).sort());
  });

  const rows = PLURALS.flatMap(({ key, params, count, texts }) =>
    LANGUAGES.flatMap((language) => COUNTS.map((n, i) => ({ key, language, n, params: { ...params, [count]: n }, expected: texts[language][i]! }))),
  );
  it.each(rows)("$key in $language at $n", ({ key, language, params, expected }) => {
    const text = render(language, key, params);
    if (expected.startsWith("…")) expect(text.endsWith(expected.slice(1)), text).toBe(true);
    else expect(text).toBe(expected);
  });

  it("a count that comes as text (an error's details) still picks the right form", () => {
    expect(render("en", "error.REACTIVATION.RESTART_REQUIRED", { unpaid: "F-1", monthsInAdvance: "1" })).toMatch(/pay 1 month in advance\.$/);
    expect(render("es", "error.REACTIVATION.RESTART_REQUIRED", { unpaid: "F-1", monthsInAdvance: "3" })).toMatch(/abonar 3 meses por adelantado\.$/);
  });

  it('no message fakes a plural with "(s)"', () => {
    for (const language of LANGUAGES) {
      for (const [key, text] of Object.entries(catalogs[language])) expect(text, `${language} ${key}`).not.toMatch(/\w\((?:s|es|os|as|is)\)/);
    }
  });
});

/** A message's arguments as ICU reads them: "name" for text, "name:plural" and so on for the others. */
function argumentsOf(text: string, language: Language): string[] {
  // The parser's element types: 1 argument, 2 number, 3 date, 4 time, 5 select, 6 plural.
  const kinds: Record<number, string> = { 1: "", 2: ":number", 3: ":date", 4: ":time", 5: ":select", 6: ":plural" };
  const found = new Set<string>();
  const walk = (elements: ReturnType<IntlMessageFormat["getAst"]>): void => {
    for (const element of elements) {
      if (element.type in kinds && "value" in element) found.add(`${element.value}${kinds[element.type]}`);
      if ("options" in element) for (const option of Object.values(element.options)) walk(option.value);
      if ("children" in element) walk(element.children);
    }
  };
  walk(new IntlMessageFormat(text, language, undefined, { ignoreTag: true }).getAst());
  return [...found].sort();
}

describe("the catalog", () => {
  it.each(LANGUAGES)("every %s message is valid ICU with the English arguments, of the same kinds", (language) => {
    expect(Object.keys(catalogs[language]).sort()).toEqual(Object.keys(catalogs.en).sort());
    for (const [key, english] of Object.entries(catalogs.en)) {
      const translated = catalogs[language][key as MessageKey];
      expect(argumentsOf(translated, language), `${language} ${key}`).toEqual(argumentsOf(english, "en"));
    }
  });

  it("fills every message with its params and leaves none unfilled", () => {
    for (const language of LANGUAGES) {
      for (const [key, text] of Object.entries(catalogs[language])) {
        const params = Object.fromEntries(argumentsOf(text, language).map((a) => [a.split(":")[0]!, a.endsWith(":plural") ? 2 : "X"]));
        expect(render(language, key as MessageKey, params), `${language} ${key}`).not.toMatch(/[{}]/);
      }
    }
  });
});

describe("typed params", () => {
  it("are read from the English message", () => {
    expectTypeOf<ParamsOf<"thread.ticked">>().toEqualTypeOf<{ user: string | number; label: string | number }>();
    expectTypeOf<ParamsOf<"detail.charges">>().toEqualTypeOf<{ count: number; list: string | number }>();
    expectTypeOf<ParamsOf<"error.REACTIVATION.RESTART_REQUIRED">>().toEqualTypeOf<{ unpaid: string | number; monthsInAdvance: number }>();
    expectTypeOf<ParamsOf<"modal.done">>().toEqualTypeOf<{}>();
  });

  it("refuse a misspelled, missing or extra placeholder, and text for a count (npm run typecheck checks these lines)", () => {
    // @ts-expect-error misspelled: `usr` for `user`
    expect(t("en", "thread.ticked", { usr: "<@U1>", label: "X" })).toBe("{user} ticked *X*.");
    // @ts-expect-error missing: `label`
    expect(t("en", "thread.ticked", { user: "<@U1>" })).toBe("<@U1> ticked *{label}*.");
    // @ts-expect-error extra: the message has no `client`
    expect(t("en", "thread.ticked", { user: "<@U1>", label: "X", client: "Y" })).toBe("<@U1> ticked *X*.");
    // @ts-expect-error a plural's count is a number
    expect(t("en", "detail.charges", { count: "2", list: "F-1" })).toBe("2 unpaid invoices: F-1");
    // @ts-expect-error a message without placeholders takes no params
    expect(t("en", "modal.done", { count: 1 })).toBe("Close");
    // @ts-expect-error no such key
    expect(() => t("en", "card.nope")).toThrow();
    expect(t("en", "detail.charges", { count: 2, list: "F-1" })).toBe("2 unpaid invoices: F-1");
    expect(t("en", "modal.done")).toBe("Close");
  });
});
