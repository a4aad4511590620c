import { describe, expect, it } from "vitest";
import { formatMinor, parseAmount } from "../../src/domain/money.ts";
import { searchKey } from "../../src/domain/text.ts";

describe("parseAmount", () => {
  it.each([
    { text: "120", currency: "USD", minor: 12000n },
    { text: "120.5", currency: "USD", minor: 12050n },
    { text: "120,50", currency: "UYU", minor: 12050n },
    { text: "0.01", currency: "BRL", minor: 1n },
    { text: "1500", currency: "JPY", minor: 1500n },
    { text: "1500", currency: "CLP", minor: 1500n },
    { text: "1.234", currency: "KWD", minor: 1234n },
    { text: "999999999999999.99", currency: "USD", minor: 99999999999999999n },
  ])("$text $currency = $minor minor units", ({ text, currency, minor }) => {
    expect(parseAmount(text, currency)).toEqual({ ok: true, minor });
  });

  it.each([
    { text: "12.345", currency: "USD", message: /USD has 2 decimals/ },
    { text: "1500.5", currency: "JPY", message: /JPY has 0 decimals/ },
    { text: "1,234.50", currency: "USD", message: /not an amount/ },
    { text: "-5", currency: "USD", message: /not an amount/ },
    { text: "1e3", currency: "USD", message: /not an amount/ },
    { text: "", currency: "USD", message: /not an amount/ },
  ])("refuses $text $currency", ({ text, currency, message }) => {
    const result = parseAmount(text, currency);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(message);
  });

  it.each([
    { minor: 12050n, currency: "USD", text: "120.50" },
    { minor: 5n, currency: "USD", text: "0.05" },
    { minor: 1500n, currency: "JPY", text: "1500" },
    { minor: -5n, currency: "USD", text: "-0.05" },
  ])("formatMinor($minor, $currency) = $text", ({ minor, currency, text }) => {
    expect(formatMinor(minor, currency)).toBe(text);
  });
});

describe("searchKey", () => {
  it.each([
    { text: "Acmé S.A.", key: "acme s a" },
    { text: "  ACME   s.a ", key: "acme s a" },
    { text: "São Paulo Telecom", key: "sao paulo telecom" },
    { text: "Ñandú-01", key: "nandu 01" },
    { text: "%_", key: "" },
  ])("$text -> '$key'", ({ text, key }) => {
    expect(searchKey(text)).toBe(key);
  });
});
