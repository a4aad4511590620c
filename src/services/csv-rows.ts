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

/**
 * Reads a whole CSV file and validates every row with `rowSchema`, collecting
 * every problem (line and column) rather than stopping at the first. The
 * header must name exactly `columns`, in any order. Files exported by
 * spreadsheets in Spanish or Portuguese often use ";" as the separator: the
 * header decides which one the file uses.
 */
export function readCsv<T>(text: string, columns: readonly string[], rowSchema: z.ZodType<T>): CsvRead<T> {
  if (Buffer.byteLength(text) > MAX_CSV_BYTES) return problem(1, `the file is larger than ${MAX_CSV_BYTES / 1024 / 1024} MiB`);
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
