import { readFile } from "node:fs/promises";
import { isNode, LineCounter, parseDocument, type Document } from "yaml";
import type { z } from "zod";
import type { Policy } from "../domain/policy.ts";
import { notAccepted, policySchema, shownValue } from "./policy-schema.ts";

export interface PolicyProblem {
  /** Dotted key path, e.g. `kinds.voluntary.checks[2].label`; empty for the whole file. */
  path: string;
  /** 1-based line in the file, when known. */
  line: number | null;
  message: string;
}

/**
 * `not_found`: there is no file at the path (its one problem says how to make one);
 * `unreadable`: the file exists but cannot be read; `invalid`: it was read and has problems.
 */
export type PolicyFailure = "not_found" | "unreadable" | "invalid";

export type PolicyLoad = { ok: true; policy: Policy } | { ok: false; failure: PolicyFailure; problems: PolicyProblem[] };

export const MAX_POLICY_BYTES = 1024 * 1024;

export async function loadPolicyFile(path: string): Promise<PolicyLoad> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      const message = `the policy file was not found at ${path} (copy offboard.policy.example.yml to offboard.policy.yml and edit it, or set OFFBOARD_POLICY to your file's path)`;
      return { ok: false, failure: "not_found", problems: [{ path: "", line: null, message }] };
    }
    const reason = code === "EISDIR" ? "it is a directory, not a file" : code === "EACCES" ? "permission denied" : (error as Error).message;
    return { ok: false, failure: "unreadable", problems: [{ path: "", line: null, message: `cannot read the policy file ${path}: ${reason}` }] };
  }
  return parsePolicy(text);
}

/**
 * What to tell someone whose policy did not load: the one line itself when
 * the file is missing or unreadable, else a count and every problem, one a line.
 */
export function describePolicyFailure(path: string, load: { failure: PolicyFailure; problems: PolicyProblem[] }): string {
  if (load.failure !== "invalid") return load.problems.map((p) => p.message).join("\n");
  const count = load.problems.length;
  return `${path}: ${count} problem${count > 1 ? "s" : ""}\n${formatProblems(path, load.problems)}`;
}

export function parsePolicy(text: string): PolicyLoad {
  const invalid = (problems: PolicyProblem[]): PolicyLoad => ({ ok: false, failure: "invalid", problems });
  if (Buffer.byteLength(text) > MAX_POLICY_BYTES) return invalid([{ path: "", line: null, message: "the policy file is larger than 1 MiB" }]);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: true });
  const syntax = [...doc.errors, ...doc.warnings].map((e) => ({
    path: "",
    line: e.linePos?.[0]?.line ?? null,
    message: (e.message.split("\n")[0] ?? e.code).replace(/ at line \d+, column \d+:?$/, ""),
  }));
  if (doc.errors.length > 0) return invalid(syntax);

  const data: unknown = doc.toJS({ maxAliasCount: 100 });
  if (data === null || data === undefined) {
    return invalid([{ path: "", line: null, message: "the file is empty: start from a copy of offboard.policy.example.yml" }]);
  }
  const result = policySchema.safeParse(data, { error: plainMessage });
  if (result.success) return { ok: true, policy: result.data };
  const problems = result.error.issues.flatMap((issue) => unionDetail(issue)).map((issue) => toProblem(issue, doc, lineCounter));
  problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return invalid(problems);
}

const EXPECTED: Record<string, string> = {
  string: "text",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  object: "a mapping (key: value lines)",
  record: "a mapping (key: value lines)",
  array: "a list",
};

/**
 * Plain messages for what the schema does not word itself: "required" for a
 * missing key, the accepted values for a value that is not one of them, the
 * limits for a value out of range. Messages the schema gives win over these.
 */
function plainMessage(issue: z.core.$ZodRawIssue): string | undefined {
  const input = issue.input;
  switch (issue.code) {
    case "invalid_type":
      return input === undefined ? "required" : `expected ${EXPECTED[issue.expected] ?? issue.expected}, found ${shownValue(input)}`;
    case "invalid_value":
      return notAccepted(input, issue.values.map((v) => String(v)).join(" | "));
    case "invalid_union": {
      if (issue.note === "No matching discriminator" && input && typeof input === "object") {
        const key = String(issue.discriminator);
        const options = (issue.options as unknown[] | undefined)?.map(String).join(" | ") ?? "";
        // The issue's path ends at the discriminating key: the message is about its value.
        return notAccepted((input as Record<string, unknown>)[key], options);
      }
      return input === undefined ? "required" : `${shownValue(input)} is not accepted here`;
    }
    case "too_small":
    case "too_big": {
      const limit = issue.code === "too_small" ? issue.minimum : issue.maximum;
      const bound = issue.code === "too_small" ? (issue.inclusive === false ? "more than" : "at least") : issue.inclusive === false ? "less than" : "at most";
      if (issue.origin === "array" || issue.origin === "set") return `list ${bound} ${String(limit)} item${limit === 1 ? "" : "s"}`;
      if (issue.origin === "string") return `${bound} ${String(limit)} character${limit === 1 ? "" : "s"}`;
      return `must be ${bound} ${String(limit)}${input !== undefined ? `, not ${shownValue(input)}` : ""}`;
    }
    case "invalid_format":
      return `${shownValue(input)} is not in the expected format`;
    default:
      return undefined;
  }
}

/**
 * A value that fits none of a setting's forms but has the shape of exactly one
 * of them (`service_ends: { after: 7 days }`) is reported by what is wrong
 * inside that form, rather than as "not accepted".
 */
function unionDetail(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== "invalid_union" || issue.errors.length < 2) return [issue];
  const wrongShape = (issues: z.core.$ZodIssue[]) =>
    issues.some((i) => i.path.length === 0 && (i.code === "invalid_type" || i.code === "invalid_value" || i.code === "invalid_union"));
  const fitting = issue.errors.filter((issues) => issues.length > 0 && !wrongShape(issues));
  if (fitting.length !== 1) return [issue];
  return fitting[0]!.map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] })).flatMap((inner) => unionDetail(inner));
}

function toProblem(issue: z.core.$ZodIssue, doc: Document, lines: LineCounter): PolicyProblem {
  const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
  let message = issue.message;
  if (issue.code === "unrecognized_keys") {
    message = `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
    // Point at the first unknown key itself.
    const line = lineOf(doc, [...path, issue.keys[0]!], lines, true);
    return { path: formatPath(path), line, message };
  }
  if (issue.code === "invalid_key") {
    // A record key (a kind id) is wrong: say why, at the key's own line.
    const keyPath = path.slice(0, -1);
    message = `"${String(path.at(-1))}" is not a valid id: ${issue.issues[0]?.message ?? issue.message}`;
    return { path: formatPath(keyPath), line: lineOf(doc, path, lines, true), message };
  }
  if (issue.code === "custom" && issue.params?.atKey === true) {
    // A key that is wrong itself (a language that is none): at the key's own line.
    return { path: formatPath(path), line: lineOf(doc, path, lines, true) ?? nearestLine(doc, path, lines), message };
  }
  return { path: formatPath(path), line: lineOf(doc, path, lines) ?? nearestLine(doc, path, lines), message };
}

/** Line of the node at `path`; with `key`, the line of the map key itself. */
function lineOf(doc: Document, path: (string | number)[], lines: LineCounter, key = false): number | null {
  if (key && path.length > 0) {
    const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
    if (parent && isNode(parent) && "items" in parent) {
      const pair = (parent.items as { key?: unknown }[]).find(
        (item) => isNode(item.key) && (item.key as { value?: unknown }).value === path.at(-1),
      );
      const range = pair && isNode(pair.key) ? pair.key.range : undefined;
      if (range) return lines.linePos(range[0]).line;
    }
    return null;
  }
  const node = path.length === 0 ? doc.contents : doc.getIn(path, true);
  if (node && isNode(node) && node.range) return lines.linePos(node.range[0]).line;
  return null;
}

/** For a missing key, the line of the closest ancestor that exists. */
function nearestLine(doc: Document, path: (string | number)[], lines: LineCounter): number | null {
  for (let n = path.length - 1; n >= 0; n--) {
    const line = lineOf(doc, path.slice(0, n), lines, n > 0) ?? lineOf(doc, path.slice(0, n), lines);
    if (line !== null) return line;
  }
  return null;
}

export function formatPath(path: readonly (string | number)[]): string {
  return path.reduce<string>((out, part) => (typeof part === "number" ? `${out}[${part}]` : out ? `${out}.${part}` : part), "");
}

export function formatProblems(file: string, problems: PolicyProblem[]): string {
  return problems
    .map((p) => `${file}${p.line !== null ? `:${p.line}` : ""}: ${p.path ? `${p.path}: ` : ""}${p.message}`)
    .join("\n");
}
