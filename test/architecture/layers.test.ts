import { readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { posix } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";

// The layers of DESIGN.md ("Layers": the dependency arrow points down only), checked on the import
// graph of src/**/*.ts(x): no import cycle between files, and no import against the layer order.

/**
 * Today's violations, each "from -> to" (a file, and a file or package it imports). An entry is either
 * an import against a rule below, or the import that closes a cycle (the cycle check leaves it out).
 * THIS LIST MUST ONLY SHRINK: fix the import instead of adding one. An entry that no longer exists,
 * or is no longer a violation, fails the test too, so remove it when you fix it.
 */
const ALLOWED_VIOLATIONS: readonly string[] = [];

type Layer =
  | "domain"
  | "config"
  | "db"
  | "generated"
  | "messaging"
  | "connectors"
  | "scheduler"
  | "services"
  | "logging"
  | "slack"
  | "sandbox"
  | "sandbox/protocol"
  | "sandbox/web"
  | "main"
  | "cli";

/** Which layer a file under src/ is in; the first prefix that matches wins. */
const LAYER_OF: [prefix: string, layer: Layer][] = [
  ["src/domain/", "domain"],
  ["src/config/", "config"],
  ["src/db/", "db"],
  ["src/generated/", "generated"],
  ["src/messaging/", "messaging"],
  ["src/connectors/", "connectors"],
  ["src/scheduler/", "scheduler"],
  ["src/services/", "services"],
  ["src/logging/", "logging"],
  ["src/slack/", "slack"],
  ["src/sandbox/web/", "sandbox/web"],
  ["src/sandbox/protocol.ts", "sandbox/protocol"],
  ["src/sandbox/", "sandbox"],
  ["src/main.ts", "main"],
  ["src/cli.ts", "cli"],
  ["src/cli/", "cli"],
];

const NODE_BUILTIN = new RegExp(`^(node:.*|${builtinModules.map((m) => m.replace(/[/.]/g, "\\$&")).join("|")})$`);
const BELOW_SLACK: Layer[] = ["domain", "config", "db", "messaging", "connectors", "scheduler", "services", "logging"];

/** What each layer may import from the project (its own layer always), the packages it must not import, and the rule in one line. */
const RULES: Record<Exclude<Layer, "generated">, { may: Layer[]; notPackages?: RegExp; rule: string }> = {
  domain: {
    may: [],
    notPackages: /^(@slack\/|@prisma\/|pg$|@electric-sql\/|(node:)?(fs|fs\/promises|net|http|https|http2|tls|dgram|child_process)$)/,
    rule: "domain is pure TypeScript: nothing from the project outside src/domain, no Slack, Prisma, database driver, file system or network",
  },
  config: { may: ["domain"], rule: "config (env, policy file format) may import domain only" },
  db: { may: ["domain", "config", "generated"], rule: "db may import domain, config and the generated Prisma client" },
  messaging: { may: ["domain", "config"], rule: "messaging (email, click-to-chat) may import domain and config only; services reach it through an interface" },
  connectors: { may: ["domain", "config", "db"], rule: "connectors (the system of record) may import domain, config and db (the ledger and the HTTP connector's call log live in Offboard's database)" },
  scheduler: { may: ["domain", "config", "db"], rule: "the scheduler sits below services: it may import domain, config and db only (the wiring gives it handlers and a clock)" },
  services: {
    may: ["domain", "config", "db", "connectors", "messaging", "scheduler"],
    notPackages: /^@slack\//,
    rule: "services may import domain, config, db, connectors, messaging and scheduler: never slack, sandbox, cli, main, nor @slack/*",
  },
  logging: { may: ["domain"], rule: "logging (the redacting Bolt logger) may import domain only" },
  slack: { may: BELOW_SLACK, rule: "slack may import the layers below it: never sandbox, cli or main" },
  sandbox: {
    may: [...BELOW_SLACK, "slack", "sandbox/protocol", "main"],
    rule: "the sandbox may import every layer below it, and main.ts (it hosts the real bot through startBot's BotOverrides): never cli, nor the browser code in sandbox/web",
  },
  "sandbox/protocol": { may: [], notPackages: NODE_BUILTIN, rule: "sandbox/protocol.ts is shared with the browser: nothing from the project, no Node built-ins" },
  "sandbox/web": { may: ["sandbox/protocol"], notPackages: NODE_BUILTIN, rule: "sandbox/web is browser code: only src/sandbox/web and src/sandbox/protocol.ts, no Node built-ins" },
  main: { may: [...BELOW_SLACK, "slack", "sandbox", "sandbox/protocol"], rule: "main.ts wires every layer below it: never the command line (src/cli*)" },
  cli: { may: [...BELOW_SLACK, "slack", "sandbox", "sandbox/protocol", "main"], rule: "the command line (src/cli.ts, src/cli/) is the top: it may import anything but the browser code" },
};

/** Applies to every layer but db, before the layer's own rule. */
const PRISMA_RULE = "only src/db imports the Prisma client (src/generated/prisma, @prisma/*): every query lives in src/db";

/** Layers that get the data layer as an interface, the Store in their deps (src/db/store.ts), rather than the database. */
const THROUGH_THE_STORE: Layer[] = ["services", "slack"];
const STORE_RULE =
  "src/services and src/slack reach the database through the Store in their deps (ServiceDeps.store): never src/db/database.ts, not even its Db and Tx types, and nothing else from src/db but types";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

interface Graph {
  /** Every .ts/.tsx file under src/ (src/generated included). */
  files: Set<string>;
  /** from -> imported files or packages, as the code runs (esbuild: type-only imports erased). */
  runtime: Map<string, Set<string>>;
  /** Every import, type-only ones included: "from -> to" -> whether it is type-only. */
  all: Map<string, boolean>;
  problems: string[];
}

let graph: Graph;
let buildMs = 0;

beforeAll(async () => {
  const started = performance.now();
  graph = await importGraph();
  buildMs = performance.now() - started;
});

describe("architecture (DESIGN.md, Layers)", () => {
  it("reads the import graph of src/ quickly", () => {
    expect(graph.problems).toEqual([]);
    expect(graph.runtime.size).toBeGreaterThan(50);
    // A guard, not a benchmark: esbuild takes a few hundred milliseconds on a busy machine.
    expect(buildMs).toBeLessThan(10_000);
  });

  it("puts every file under src/ in a layer", () => {
    expect([...graph.files].filter((f) => !layerOf(f)).map((f) => `${f}: in no layer, add its folder to LAYER_OF and RULES`)).toEqual([]);
  });

  it("has no import cycle between files", () => {
    const allowed = new Set(ALLOWED_VIOLATIONS);
    const edges = new Map([...graph.runtime].map(([from, tos]) => [from, new Set([...tos].filter((to) => !allowed.has(`${from} -> ${to}`)))]));
    expect(cycles(edges).map((cycle) => `import cycle: ${cycle.join(" -> ").replace(" -> (", " (")}`)).toEqual([]);
  });

  it("imports only downwards", () => {
    const found: string[] = [];
    for (const [edge, typeOnly] of graph.all) {
      const [from, to] = edge.split(" -> ") as [string, string];
      const rule = violatedRule(from, to, typeOnly);
      if (rule && !ALLOWED_VIOLATIONS.includes(edge)) found.push(`${from} imports ${to}${typeOnly ? " (type-only)" : ""}: ${rule}`);
    }
    expect(found).toEqual([]);
  });

  it("allows only violations that still exist (ALLOWED_VIOLATIONS must only shrink)", () => {
    const stale: string[] = [];
    const seen = new Set<string>();
    for (const entry of ALLOWED_VIOLATIONS) {
      if (seen.has(entry)) stale.push(`${entry}: listed twice`);
      seen.add(entry);
      const [from, to] = entry.split(" -> ") as [string, string | undefined];
      if (to === undefined) stale.push(`${entry}: not "from -> to"`);
      else if (!graph.all.has(entry)) stale.push(`${entry}: ${from} no longer imports ${to}, remove the entry`);
      else if (!violatedRule(from, to, graph.all.get(entry)!) && !(graph.runtime.get(from)?.has(to) && reaches(graph.runtime, to, from))) stale.push(`${entry}: no longer a violation nor part of a cycle, remove the entry`);
    }
    expect(stale).toEqual([]);
  });
});

function layerOf(file: string): Layer | undefined {
  return LAYER_OF.find(([prefix]) => file === prefix || (prefix.endsWith("/") && file.startsWith(prefix)))?.[1];
}

/** The rule `from` importing `to` (a file under src/ or a package; `typeOnly`: erased at run time) breaks, if any. */
function violatedRule(from: string, to: string, typeOnly: boolean): string | undefined {
  const fromLayer = layerOf(from);
  if (!fromLayer || fromLayer === "generated") return undefined;
  const rules = RULES[fromLayer];
  if (!to.startsWith("src/")) {
    if (fromLayer !== "db" && /^@prisma\//.test(to)) return PRISMA_RULE;
    return rules.notPackages?.test(to) ? rules.rule : undefined;
  }
  const toLayer = layerOf(to);
  if (toLayer === "generated" && fromLayer !== "db") return PRISMA_RULE;
  if (THROUGH_THE_STORE.includes(fromLayer) && toLayer === "db" && (to === "src/db/database.ts" || !typeOnly)) return STORE_RULE;
  if (toLayer === fromLayer) return undefined;
  return toLayer && rules.may.includes(toLayer) ? undefined : rules.rule;
}

/**
 * The graph twice over. As the code runs: esbuild bundles every file under src/ in memory (one entry
 * importing them all, packages left external) and its metafile lists each file's imports, resolved.
 * esbuild erases type-only imports, and also imports whose names are only used as types (as tsx does at
 * run time): right for cycles, which only matter at run time, but a type is still a dependency on the
 * layer it comes from. So every file's import and export-from statements (`import type`, `import { type X }`
 * and plain ones) and `import("…")` type queries are also read from the source with a simple scan
 * anchored at the start of a line, and resolved like the compiler does (relative paths, with extensions).
 */
async function importGraph(): Promise<Graph> {
  const files = new Set(
    readdirSync(`${ROOT}src`, { recursive: true, encoding: "utf8" })
      .filter((f) => /\.tsx?$/.test(f) && !f.endsWith(".d.ts"))
      .map((f) => `src/${f.split("\\").join("/")}`),
  );
  const checked = [...files].filter((f) => !f.startsWith("src/generated/")).sort();
  const result = await build({
    stdin: { contents: checked.map((f) => `import "./${f}";`).join("\n"), resolveDir: ROOT, sourcefile: "all-of-src.ts", loader: "ts" },
    absWorkingDir: ROOT,
    bundle: true,
    metafile: true,
    write: false,
    platform: "node",
    packages: "external",
    format: "esm",
    logLevel: "silent",
  });
  const problems = result.errors.map((e) => `esbuild: ${e.text}`);
  const runtime = new Map<string, Set<string>>();
  const all = new Map<string, boolean>();
  for (const from of checked) {
    const imports = result.metafile.inputs[from]?.imports ?? [];
    if (!result.metafile.inputs[from]) problems.push(`${from}: not in esbuild's metafile`);
    // Cycles count static imports only: an `import()` loads after its importer has run.
    runtime.set(from, new Set(imports.filter((i) => i.kind === "import-statement" || i.kind === "require-call").map((i) => withNodePrefix(i.path))));
    for (const i of imports) all.set(`${from} -> ${withNodePrefix(i.path)}`, false);
    for (const specifier of importedSpecifiers(readFileSync(`${ROOT}${from}`, "utf8"))) {
      const to = resolveSpecifier(from, specifier, files);
      if (to === undefined) problems.push(`${from}: cannot resolve "${specifier}"`);
      else if (!all.has(`${from} -> ${to}`)) all.set(`${from} -> ${to}`, true);
    }
  }
  return { files, runtime, all, problems };
}

const STATEMENT = /^[ \t]*(?:import|export)\b(?:[^;'"`]*?\bfrom)?\s*["']([^"'\n]+)["']/gm;
const IMPORT_CALL = /\bimport\(\s*["']([^"'\n]+)["']\s*\)/g;

function importedSpecifiers(source: string): string[] {
  return [...source.matchAll(STATEMENT), ...source.matchAll(IMPORT_CALL)].map((m) => m[1]!);
}

/** A relative specifier to the file under src/ it names; a package to its name as written (node: added to built-ins). */
function resolveSpecifier(from: string, specifier: string, files: Set<string>): string | undefined {
  if (!specifier.startsWith(".")) return withNodePrefix(specifier);
  const base = posix.join(posix.dirname(from), specifier);
  return [base, `${base}.ts`, `${base}.tsx`, `${base}/index.ts`].find((f) => files.has(f));
}

/**
 * One cycle per group of files that import each other (a strongly connected component, Tarjan's
 * algorithm): the shortest one through the group's first file by name, in import order.
 */
function cycles(edges: Map<string, Set<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (file: string): void => {
    index.set(file, index.size);
    low.set(file, index.get(file)!);
    stack.push(file);
    onStack.add(file);
    for (const imported of edges.get(file) ?? []) {
      if (!index.has(imported)) {
        visit(imported);
        low.set(file, Math.min(low.get(file)!, low.get(imported)!));
      } else if (onStack.has(imported)) low.set(file, Math.min(low.get(file)!, index.get(imported)!));
    }
    if (low.get(file) !== index.get(file)) return;
    const group: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      group.push(member);
    } while (member !== file);
    const first = group.sort()[0]!;
    const cycle = shortestPath(edges, first, first);
    if (cycle) found.push(group.length > cycle.length - 1 ? [...cycle, `(${group.length} files in this tangle: ${group.join(", ")})`] : cycle);
  };
  for (const file of [...edges.keys()].sort()) if (!index.has(file)) visit(file);
  return found.sort((a, b) => a[0]!.localeCompare(b[0]!));
}

function withNodePrefix(specifier: string): string {
  return !specifier.startsWith("node:") && !specifier.startsWith("src/") && NODE_BUILTIN.test(specifier) ? `node:${specifier}` : specifier;
}

function reaches(edges: Map<string, Set<string>>, from: string, to: string): boolean {
  return shortestPath(edges, from, to) !== undefined;
}

/** The shortest import path from `from` to `to` (at least one step), as the list of files along it. */
function shortestPath(edges: Map<string, Set<string>>, from: string, to: string): string[] | undefined {
  const previous = new Map<string, string>();
  let frontier = [from];
  while (frontier.length) {
    const next: string[] = [];
    for (const file of frontier) {
      for (const imported of [...(edges.get(file) ?? [])].sort()) {
        if (imported === to) {
          const path = [to];
          for (let at: string | undefined = file; at !== undefined && at !== from; at = previous.get(at)) path.unshift(at);
          path.unshift(from);
          return path;
        }
        if (previous.has(imported) || imported === from) continue;
        previous.set(imported, file);
        next.push(imported);
      }
    }
    frontier = next;
  }
  return undefined;
}
