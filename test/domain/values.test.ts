import { describe, expect, it } from "vitest";
import { canonicalJson, sameJson } from "../../src/domain/canonical-json.ts";
import { addDuration, durationMs, parseDuration } from "../../src/domain/duration.ts";
import { ErrorCode, fail, OffboardError } from "../../src/domain/errors.ts";
import { formatMinor, isCurrency, minorDigits, parseAmount } from "../../src/domain/money.ts";
import { withoutNul } from "../../src/domain/text.ts";

describe("canonicalJson: the same event hashes the same however jsonb reorders it", () => {
  it.each([
    { name: "keys sorted at every level", value: { b: 1, a: { d: 2, c: [3, { f: 1, e: 2 }] } }, json: '{"a":{"c":[3,{"e":2,"f":1}],"d":2},"b":1}' },
    { name: "a date as its ISO string", value: { at: new Date("2026-08-09T15:00:00.000Z") }, json: '{"at":"2026-08-09T15:00:00.000Z"}' },
    { name: "a bigint as decimal digits", value: { minor: 12050n, negative: -5n }, json: '{"minor":"12050","negative":"-5"}' },
    { name: "undefined members dropped, null kept", value: { a: undefined, b: null, c: 0 }, json: '{"b":null,"c":0}' },
    { name: "undefined in a list is null", value: [undefined, null, 1], json: "[null,null,1]" },
    { name: "numbers JSON cannot hold are null", value: [Number.NaN, Number.POSITIVE_INFINITY, -0.5], json: "[null,null,-0.5]" },
    { name: "plain values as they are", value: ["a", true, false, 3], json: '["a",true,false,3]' },
    { name: "undefined alone", value: undefined, json: "null" },
    { name: "an empty object", value: {}, json: "{}" },
  ])("$name", ({ value, json }) => {
    expect(canonicalJson(value)).toBe(json);
  });

  it.each([
    { a: { x: 1, y: [1, 2] }, b: { y: [1, 2], x: 1 }, same: true },
    { a: { x: 1 }, b: { x: 1, y: undefined }, same: true },
    { a: null, b: undefined, same: true },
    { a: { x: 1 }, b: { x: 2 }, same: false },
    { a: [1, 2], b: [2, 1], same: false },
    { a: { x: "1" }, b: { x: 1 }, same: false },
  ])("sameJson($a, $b) is $same", ({ a, b, same }) => {
    expect(sameJson(a, b)).toBe(same);
  });
});

describe("errors", () => {
  it("every code is distinct and reads AREA.WHAT", () => {
    const codes = Object.values(ErrorCode);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code).toMatch(/^[A-Z]+\.[A-Z_]+$/);
  });

  it.each([
    { details: undefined, result: { ok: false, error: { code: ErrorCode.RequestClosed } } },
    { details: { state: "executed" as const }, result: { ok: false, error: { code: ErrorCode.RequestClosed, details: { state: "executed" } } } },
  ])("fail with details $details", ({ details, result }) => {
    const failure = fail(ErrorCode.RequestClosed, details);
    expect(failure).toEqual(result);
    if (!details) expect(failure.error).not.toHaveProperty("details");
  });

  it("OffboardError carries the coded failure across an exception boundary", () => {
    const error = new OffboardError({ code: ErrorCode.RequestClosed, details: { state: "executed" } });
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: "OffboardError", message: "REQUEST.CLOSED", error: { code: ErrorCode.RequestClosed, details: { state: "executed" } } });
  });
});

describe("durations", () => {
  it.each([
    { text: " 7d ", duration: { days: 7 } },
    { text: "999999s", duration: { seconds: 999999 } },
    { text: "P1Y2M3W4DT5H6M7S", duration: { years: 1, months: 2, weeks: 3, days: 4, hours: 5, minutes: 6, seconds: 7 } },
    { text: "pt36h", duration: { hours: 36 } },
    { text: " PT90M ", duration: { minutes: 90 } },
    { text: "PT45S", duration: { seconds: 45 } },
    { text: "P2Y", duration: { years: 2 } },
    { text: "P30D", duration: { days: 30 } },
    { text: "P1234Y12M52W12345D", duration: { years: 1234, months: 12, weeks: 52, days: 12345 } },
    { text: "PT123456H123456M123456S", duration: { hours: 123456, minutes: 123456, seconds: 123456 } },
    { text: "P0D", duration: { days: 0 } },
  ])("parseDuration($text)", ({ text, duration }) => {
    expect(parseDuration(text)).toEqual(duration);
  });

  it.each(["7dx", "x7d", "1000000s", "36H", "7D", "P12345Y", "P12345M", "P12345W", "P123456D", "PT1234567H", "PT1234567M", "PT1234567S", "P1DT", "P1D1H", "PT1D", "xP1D", "P1Dx", "d", "P-1D"])("parseDuration refuses %j", (text) => {
    expect(parseDuration(text)).toBeNull();
  });

  it.each([
    { duration: { hours: 1, minutes: 2, seconds: 3 }, ms: 3_723_000 },
    { duration: { seconds: 10 }, ms: 10_000 },
    { duration: { minutes: 4 }, ms: 240_000 },
    { duration: { hours: 2 }, ms: 7_200_000 },
    { duration: {}, ms: 0 },
    { duration: { days: 0, hours: 1 }, ms: 3_600_000 },
    { duration: { days: 1 }, ms: null },
    { duration: { weeks: 1 }, ms: null },
    { duration: { months: 1 }, ms: null },
    { duration: { years: 1 }, ms: null },
  ])("durationMs($duration) = $ms: calendar units have no fixed length", ({ duration, ms }) => {
    expect(durationMs(duration)).toBe(ms);
  });

  it.each([
    // Madrid, 23:30 CET on 28 March 2026; summer time starts at 02:00 that night.
    { duration: { hours: 1, minutes: 30, seconds: 15 }, at: "2026-03-29T00:00:15.000Z" },
    { duration: { days: 1, hours: 1 }, at: "2026-03-29T22:30:00.000Z" },
    { duration: { weeks: 1 }, at: "2026-04-04T21:30:00.000Z" },
    { duration: {}, at: "2026-03-28T22:30:00.000Z" },
  ])("addDuration($duration): calendar units in the zone, then exact time", ({ duration, at }) => {
    expect(addDuration(new Date("2026-03-28T22:30:00.000Z"), duration, "Europe/Madrid").toISOString()).toBe(at);
  });
});

describe("money and text", () => {
  it.each([
    { code: "USD", known: true },
    { code: "UYU", known: true },
    { code: "usd", known: false },
    { code: "ZZZ", known: false },
    { code: "", known: false },
  ])("isCurrency($code) is $known", ({ code, known }) => {
    expect(isCurrency(code)).toBe(known);
  });

  it.each([
    { currency: "USD", digits: 2 },
    { currency: "JPY", digits: 0 },
    { currency: "KWD", digits: 3 },
  ])("$currency has $digits decimals", ({ currency, digits }) => {
    expect(minorDigits(currency)).toBe(digits);
  });

  it.each([
    { text: " 120.50 ", currency: "USD", result: { ok: true, minor: 12050n } },
    { text: "0", currency: "USD", result: { ok: true, minor: 0n } },
    { text: "7", currency: "JPY", result: { ok: true, minor: 7n } },
  ])("parseAmount($text, $currency)", ({ text, currency, result }) => {
    expect(parseAmount(text, currency)).toEqual(result);
  });

  it.each([
    { minor: 0n, currency: "USD", text: "0.00" },
    { minor: 0n, currency: "JPY", text: "0" },
    { minor: 12345n, currency: "KWD", text: "12.345" },
    { minor: -12050n, currency: "USD", text: "-120.50" },
  ])("formatMinor($minor, $currency) = $text", ({ minor, currency, text }) => {
    expect(formatMinor(minor, currency)).toBe(text);
  });

  it.each([
    { text: "a\u0000b\u0000", clean: "ab" },
    { text: "\u0000\u0000", clean: "" },
    { text: "plain", clean: "plain" },
  ])("withoutNul($text)", ({ text, clean }) => {
    expect(withoutNul(text)).toBe(clean);
  });
});
