/** ISO 4217 codes the runtime knows, with their number of minor-unit digits. */
const known = new Set(Intl.supportedValuesOf("currency"));

export function isCurrency(code: string): boolean {
  return known.has(code);
}

/** 2 for USD and BRL, 0 for JPY and CLP, 3 for KWD. */
export function minorDigits(currency: string): number {
  return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

export type AmountParse = { ok: true; minor: bigint } | { ok: false; message: string };

/**
 * "1234.5" or "1234,5" (either decimal mark, no thousands separators) in
 * the currency's minor units. Never through a float.
 */
export function parseAmount(text: string, currency: string): AmountParse {
  const match = /^(\d{1,15})(?:[.,](\d+))?$/.exec(text.trim());
  if (!match) return { ok: false, message: `"${text}" is not an amount: digits with an optional decimal point or comma, no thousands separators` };
  const digits = minorDigits(currency);
  const fraction = match[2] ?? "";
  if (fraction.length > digits) {
    return { ok: false, message: `${currency} has ${digits} decimal${digits === 1 ? "" : "s"}; "${text}" has ${fraction.length}` };
  }
  return { ok: true, minor: BigInt(match[1]!) * 10n ** BigInt(digits) + BigInt(fraction.padEnd(digits, "0") || "0") };
}

/** "120.00" for 12000n USD: the plain decimal form, for exports and audit data. */
export function formatMinor(minor: bigint, currency: string): string {
  const digits = minorDigits(currency);
  if (digits === 0) return minor.toString();
  const sign = minor < 0n ? "-" : "";
  const abs = (minor < 0n ? -minor : minor).toString().padStart(digits + 1, "0");
  return `${sign}${abs.slice(0, -digits)}.${abs.slice(-digits)}`;
}
