import { TextDecoder } from "node:util";
import { CsvError, parse } from "csv-parse/sync";
import type { z } from "zod";

export interface RowProblem {
  /** 1-based line in the file (the header is line 1). */
  line: number;
  /** The column the problem is in, when it is about one. */
  column?: string;
  message: string;
}

export interface CsvRow<T> {
  line: number;
  value: T;
}

/**
 * The rows that passed, and every problem. A file is importable only when
 * there are no problems; the valid rows still let callers check what they
 * refer to, so one pass reports everything.
 */
export type CsvRead<T> =
  | { fatal: false; rows: CsvRow<T>[]; raw: CsvRow<Record<string, string>>[]; problems: RowProblem[] }
  | { fatal: true; problems: RowProblem[] };

export const MAX_CSV_BYTES = 50 * 1024 * 1024;
export const MAX_CSV_ROWS = 200_000;

/** How a file's bytes are read: UTF-8 (the default), or Latin-1 as older spreadsheets save CSV (read as Windows-1252, its superset). */
export const CSV_ENCODINGS = ["utf8", "latin1"] as const;
export type CsvEncoding = (typeof CSV_ENCODINGS)[number];

export type CsvDecode = { ok: true; text: string } | { ok: false; problem: RowProblem };

const NOT_UTF8_HINT = 'save it as "CSV UTF-8" in your spreadsheet, or import it with --encoding latin1';

/**
 * A CSV file's bytes as text. A file that is not text (a workbook, a PDF, an
 * image) is refused without quoting any of it; a file that is not valid in
 * the encoding is refused at its first bad line instead of importing
 * replacement characters ("Compa\uFFFD\uFFFDa"); a file that is UTF-8 read as
 * Latin-1 is refused too, as it would import "CompaÃ±Ã­a".
 */
export function decodeCsv(bytes: Uint8Array, encoding: CsvEncoding = "utf8"): CsvDecode {
  const refuse = (line: number, message: string): CsvDecode => ({ ok: false, problem: { line, message } });
  if (bytes.length > MAX_CSV_BYTES) return refuse(1, `the file is larger than ${MAX_CSV_BYTES / 1024 / 1024} MiB`);
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return refuse(1, 'the file is UTF-16 text ("Unicode text"), not CSV: save it as "CSV UTF-8" in your spreadsheet and import that file');
  }
  const binary = binaryKind(bytes);
  if (binary) return refuse(1, `not a CSV file: it is ${binary}; save the data as "CSV UTF-8" in your spreadsheet and import that file`);
  const utf8 = new TextDecoder("utf-8", { fatal: true });
  if (encoding === "latin1") {
    const nonAscii = bytes.some((b) => b >= 0x80);
    if (nonAscii && isUtf8(utf8, bytes)) return refuse(1, "the file is already UTF-8: import it without --encoding latin1 (read as Latin-1, its accents would be garbled)");
    return { ok: true, text: decodeWindows1252(bytes) };
  }
  if (isUtf8(utf8, bytes)) return { ok: true, text: utf8.decode(bytes) };
  // Newline bytes never occur inside a UTF-8 sequence: the first line that does not decode is the bad one.
  let start = 0;
  for (let line = 1; ; line += 1) {
    const end = bytes.indexOf(0x0a, start);
    if (!isUtf8(utf8, bytes.subarray(start, end === -1 ? bytes.length : end))) return refuse(line, `not UTF-8 text (the file looks like Latin-1 or Windows-1252): ${NOT_UTF8_HINT}`);
    if (end === -1) return refuse(1, `not UTF-8 text: ${NOT_UTF8_HINT}`);
    start = end + 1;
  }
}

/** Windows-1252's characters at 0x80-0x9F (where Latin-1 has control codes); the five it leaves undefined stay as they are. */
const CP1252 = "€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008DŽ\u008F\u0090‘’“”•–—˜™š›œ\u009DžŸ";

/** Node 20's TextDecoder("windows-1252") decodes as plain Latin-1 (0x80 gives U+0080, not €): map those 32 bytes by hand. */
function decodeWindows1252(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .toString("latin1")
    .replace(/[\u0080-\u009f]/g, (c) => CP1252[c.charCodeAt(0) - 0x80]!);
}

function isUtf8(decoder: TextDecoder, bytes: Uint8Array): boolean {
  try {
    decoder.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

const startsWith = (bytes: Uint8Array, ...prefix: number[]) => prefix.every((b, i) => bytes[i] === b);

/** What a file that is not text is, as far as its first bytes tell; null for text. */
function binaryKind(bytes: Uint8Array): string | null {
  if (startsWith(bytes, 0x50, 0x4b, 0x03, 0x04)) return "a zip archive, such as an Excel .xlsx or OpenDocument .ods workbook";
  if (startsWith(bytes, 0xd0, 0xcf, 0x11, 0xe0)) return "an Excel .xls workbook";
  if (startsWith(bytes, 0x25, 0x50, 0x44, 0x46)) return "a PDF document";
  if (bytes.includes(0)) return "binary data, not text";
  // Control characters other than tab, line breaks, form feed and the old end-of-file mark (0x1A) are not text.
  const sample = bytes.subarray(0, 64 * 1024);
  let control = 0;
  for (const b of sample) if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c && b !== 0x1a) control += 1;
  return control > sample.length * 0.05 ? "binary data, not text" : null;
}

/**
 * Reads a whole CSV file and validates every row with `rowSchema`, collecting
 * every problem (line and column) rather than stopping at the first. The
 * header must name exactly `columns`, in any order. Files exported by
 * spreadsheets in Spanish or Portuguese often use ";" as the separator: the
 * header decides which one the file uses. Bytes are decoded first (see
 * decodeCsv); text is taken as it is.
 */
export function readCsv<T>(input: string | Uint8Array, columns: readonly string[], rowSchema: z.ZodType<T>, encoding: CsvEncoding = "utf8"): CsvRead<T> {
  let text: string;
  if (typeof input === "string") {
    if (Buffer.byteLength(input) > MAX_CSV_BYTES) return problem(1, `the file is larger than ${MAX_CSV_BYTES / 1024 / 1024} MiB`);
    if (input.includes("\u0000")) return problem(1, "not a CSV file: it is binary data, not text; save the data as \"CSV UTF-8\" in your spreadsheet and import that file");
    text = input;
  } else {
    const decoded = decodeCsv(input, encoding);
    if (!decoded.ok) return { fatal: true, problems: [decoded.problem] };
    text = decoded.text;
  }
  const body = text.replace(/^\uFEFF/, "");
  const headerLine = body.split(/\r?\n/, 1)[0] ?? "";
  if (!headerLine.trim()) return problem(1, `the file is empty: the first line must be the header ${columns.join(",")}`);
  const delimiter = headerLine.includes(";") && !headerLine.includes(",") ? ";" : ",";

  let records: { record: string[]; info: { lines: number } }[];
  try {
    // With `info`, each record comes with its line; the library's types only describe the plain form.
    records = parse(body, { delimiter, info: true, relax_column_count: true, skip_empty_lines: true, trim: true }) as unknown as typeof records;
  } catch (error) {
    if (error instanceof CsvError) return problem((error as CsvError & { lines?: number }).lines ?? 1, `not valid CSV: ${error.message.replace(/^.*?: /, "")}`);
    throw error;
  }

  const header = (records[0]?.record ?? []).map((h) => h.toLowerCase());
  const missing = columns.filter((c) => !header.includes(c));
  const unknown = header.filter((h) => !columns.includes(h));
  const duplicated = header.filter((h, i) => header.indexOf(h) !== i);
  const headerProblems: RowProblem[] = [];
  if (missing.length) headerProblems.push({ line: 1, message: `missing column${missing.length > 1 ? "s" : ""}: ${missing.join(", ")}` });
  if (unknown.length) headerProblems.push({ line: 1, message: `unknown column${unknown.length > 1 ? "s" : ""}: ${unknown.join(", ")} (expected ${columns.join(",")})` });
  if (duplicated.length) headerProblems.push({ line: 1, message: `column listed twice: ${duplicated.join(", ")}` });
  if (headerProblems.length) return { fatal: true, problems: headerProblems };

  const dataRecords = records.slice(1);
  if (dataRecords.length === 0) return problem(1, "the file has a header but no rows");
  if (dataRecords.length > MAX_CSV_ROWS) return problem(1, `the file has ${dataRecords.length} rows; import at most ${MAX_CSV_ROWS} at a time`);

  const rows: CsvRow<T>[] = [];
  const rawRows: CsvRow<Record<string, string>>[] = [];
  const problems: RowProblem[] = [];
  for (const { record, info } of dataRecords) {
    const line = info.lines;
    if (record.length !== header.length) {
      problems.push({ line, message: `expected ${header.length} fields, found ${record.length}` });
      continue;
    }
    const raw = Object.fromEntries(header.map((h, i) => [h, record[i] ?? ""]));
    rawRows.push({ line, value: raw });
    const parsed = rowSchema.safeParse(raw);
    if (parsed.success) rows.push({ line, value: parsed.data });
    else for (const issue of parsed.error.issues) problems.push({ line, column: String(issue.path[0] ?? ""), message: issue.message });
  }
  return { fatal: false, rows, raw: rawRows, problems };
}

function problem(line: number, message: string): { fatal: true; problems: RowProblem[] } {
  return { fatal: true, problems: [{ line, message }] };
}

export function formatRowProblems(file: string, problems: RowProblem[]): string {
  return problems.map((p) => `${file}:${p.line}: ${p.column ? `${p.column}: ` : ""}${p.message}`).join("\n");
}
