import { readFile } from "node:fs/promises";
import { isNode, LineCounter, parseDocument, type Document } from "yaml";
import type { z } from "zod";
import { policySchema, type Policy } from "../domain/policy.ts";

export interface PolicyProblem {
  /** Dotted key path, e.g. `kinds.voluntary.checks[2].label`; empty for the whole file. */
  path: string;
  /** 1-based line in the file, when known. */
  line: number | null;
  message: string;
}

export type PolicyLoad = { ok: true; policy: Policy } | { ok: false; problems: PolicyProblem[] };

export const MAX_POLICY_BYTES = 1024 * 1024;

export async function loadPolicyFile(path: string): Promise<PolicyLoad> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message =
      code === "ENOENT"
        ? `no policy file at ${path} (copy offboard.policy.example.yml and edit it, or set OFFBOARD_POLICY)`
        : `cannot read ${path}: ${(error as Error).message}`;
    return { ok: false, problems: [{ path: "", line: null, message }] };
  }
  return parsePolicy(text);
}

export function parsePolicy(text: string): PolicyLoad {
  if (Buffer.byteLength(text) > MAX_POLICY_BYTES) {
    return { ok: false, problems: [{ path: "", line: null, message: "the policy file is larger than 1 MiB" }] };
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: true });
  const syntax = [...doc.errors, ...doc.warnings].map((e) => ({
    path: "",
    line: e.linePos?.[0]?.line ?? null,
    message: (e.message.split("\n")[0] ?? e.code).replace(/ at line \d+, column \d+:?$/, ""),
  }));
  if (doc.errors.length > 0) return { ok: false, problems: syntax };

  const result = policySchema.safeParse(doc.toJS({ maxAliasCount: 100 }));
  if (result.success) return { ok: true, policy: result.data };
  const problems = result.error.issues.map((issue) => toProblem(issue, doc, lineCounter));
  problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return { ok: false, problems };
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
  if (issue.code === "invalid_type" && lineOf(doc, path, lines) === null) message = `missing (${issue.message})`;
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
