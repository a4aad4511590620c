import { readFile, writeFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describePolicyFailure, formatProblems, loadPolicyFile, parsePolicy } from "../../src/config/policy-file.ts";

const VALID = `version: 1
timezone: America/Sao_Paulo
language: pt
channels:
  requests: C0REQ
  management: C0MGR
approvers:
  users: [U0BOSS]
kinds:
  toggle:
    label: Inativar cadastro
    actions: [inactivate_client]
`;

describe("parsePolicy", () => {
  it("accepts the shipped example file", async () => {
    const result = parsePolicy(await readFile("offboard.policy.example.yml", "utf8"));
    expect(result.ok ? [] : result.problems).toEqual([]);
    if (result.ok) {
      expect(Object.keys(result.policy.kinds)).toEqual(["voluntary", "non_payment"]);
      expect(result.policy.kinds.voluntary!.checks.find((c) => c.id === "third_party_confirmation")!.when).toEqual({ thirdParty: true });
    }
  });

  it.each([
    ["the built-in ledger by default", "", { type: "ledger" }],
    [
      "the HTTP connector, with its timeout in milliseconds and a slash after the base URL",
      "system_of_record:\n  type: http\n  base_url: https://billing.example.com/api\n  secret_env: BILLING_SECRET\n  timeout: 5s\n  retries: 2\n",
      { type: "http", baseUrl: "https://billing.example.com/api/", secretEnv: "BILLING_SECRET", timeoutMs: 5000, retries: 2 },
    ],
  ])("system of record: %s", (_name, extra, expected) => {
    const result = parsePolicy(VALID + extra);
    expect(result.ok ? result.policy.systemOfRecord : result.problems).toEqual(expected);
  });

  it.each([
    ["a secret given instead of its variable's name", "secret_env: s3cr3t-value", /system_of_record\.secret_env: the NAME of an environment variable/],
    ["a timeout in days", "secret_env: X\n  timeout: 1d", /system_of_record\.timeout: a timeout of seconds or minutes/],
    ["attempts longer than another process waits", "secret_env: X\n  timeout: 2m\n  retries: 3", /timeout × \(retries \+ 1\) at most 4 minutes/],
    ["not a URL", "secret_env: X\n  base_url: billing", /system_of_record\.base_url: an http\(s\) URL/],
  ])("system of record: refuses %s", (_name, lines, message) => {
    const base = lines.includes("base_url") ? "" : "  base_url: https://billing.example.com/\n";
    const result = parsePolicy(`${VALID}system_of_record:\n  type: http\n${base}  ${lines}\n`);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.map((p) => `${p.path}: ${p.message}`).join("\n")).toMatch(message);
  });

  it("collections: the check that spares the debt must be a manual check of the kind, and the action must be there", () => {
    const bad = `${VALID.replace("    actions: [inactivate_client]", "    actions: [inactivate_client]\n    collections: { unless_check: credit_notes }")}`;
    const result = parsePolicy(bad);
    expect(result.ok ? [] : result.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'kinds.toggle.collections.unless_check: "credit_notes" is not a manual check of this kind',
      "kinds.toggle.collections: collections settings need the send_to_collections action",
    ]);
  });

  it("fills defaults and maps snake_case to the model", () => {
    const result = parsePolicy(VALID);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.policy.approvers).toEqual({ users: ["U0BOSS"], required: 1, allowSelfApproval: false });
      expect(result.policy.kinds.toggle).toEqual({
        id: "toggle",
        label: "Inativar cadastro",
        checks: [],
        actions: ["inactivate_client"],
        reactivation: { allowed: true },
        calendar: { serviceEnds: { type: "immediately" }, dataDeletion: { type: "never" }, reactivableUntil: { type: "always" } },
        dunning: [],
        onEquipmentOut: "block",
      });
    }
  });

  it.each([
    { name: "bad time zone", edit: (t: string) => t.replace("America/Sao_Paulo", "Mars/Olympus"), path: "timezone", line: 2 },
    { name: "unknown language", edit: (t: string) => t.replace("language: pt", "language: fr"), path: "language", line: 3 },
    { name: "channel given by name", edit: (t: string) => t.replace("C0REQ", "#requests"), path: "channels.requests", line: 5 },
    { name: "missing management channel", edit: (t: string) => t.replace("  management: C0MGR\n", ""), path: "channels.management", line: 4 },
    { name: "unknown key", edit: (t: string) => t.replace("language: pt", "language: pt\ntimezoen: UTC"), path: "", line: 4, message: /unknown key "timezoen"/ },
    { name: "unknown action", edit: (t: string) => t.replace("[inactivate_client]", "[inactivate_client, delete_everything]"), path: "kinds.toggle.actions[1]", line: 12 },
    { name: "no actions", edit: (t: string) => t.replace("[inactivate_client]", "[]"), path: "kinds.toggle.actions", line: 12 },
    { name: "bad kind id", edit: (t: string) => t.replace("  toggle:", "  Toggle Kind:"), path: "kinds", line: 10, message: /"Toggle Kind" is not a valid id: use lower_snake_case/ },
    { name: "more approvals than approvers", edit: (t: string) => t.replace("  users: [U0BOSS]", "  users: [U0BOSS]\n  required: 2"), path: "approvers.required", line: 9 },
  ])("$name is reported at its key path and line", ({ edit, path, line, message }) => {
    const result = parsePolicy(edit(VALID));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problems).toContainEqual(expect.objectContaining({ path, line, ...(message ? { message: expect.stringMatching(message) } : {}) }));
    }
  });

  it("lists every problem at once, in file order", () => {
    const text = VALID.replace("language: pt", "language: fr").replace("C0MGR", "mgr").replace("[inactivate_client]", "[nope]");
    const result = parsePolicy(text);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problems.map((p) => p.path)).toEqual(["language", "channels.management", "kinds.toggle.actions[0]"]);
      expect(formatProblems("policy.yml", result.problems).split("\n")[0]).toMatch(/^policy\.yml:3: language: /);
    }
  });

  it.each([
    { name: "duplicate check ids", checks: "    checks:\n      - { id: a, label: A }\n      - { id: a, label: B }\n", path: "kinds.toggle.checks[1].id", message: /duplicate check id "a"/ },
    { name: "evidence on an automatic check", checks: "    checks:\n      - { id: a, label: A, automatic: no_pending_charges, evidence: required }\n", path: "kinds.toggle.checks[0].evidence", message: /automatic checks take no evidence/ },
    { name: "unknown condition fact", checks: "    checks:\n      - { id: a, label: A, when: { vip: true } }\n", path: "kinds.toggle.checks[0].when", message: /unknown key "vip"/ },
    { name: "empty label map", checks: "    checks:\n      - { id: a, label: {} }\n", path: "kinds.toggle.checks[0].label", message: /at least one of en, es, pt/ },
  ])("check rules: $name", ({ checks, path, message }) => {
    const result = parsePolicy(VALID.replace("    actions:", `${checks}    actions:`));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems).toContainEqual(expect.objectContaining({ path, message: expect.stringMatching(message) }));
  });

  it.each([
    { name: "YAML syntax error", text: "version: 1\nkinds: [unclosed\n", line: 3 },
    { name: "duplicate key", text: VALID.replace("language: pt", "language: pt\nlanguage: es"), line: 4 },
    { name: "not a mapping", text: "- just\n- a list\n", line: 1 },
  ])("$name", ({ text, line }) => {
    const result = parsePolicy(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]!.line).toBe(line);
  });
});

describe("calendar and dunning rules", () => {
  const withKind = (kind: string) => VALID.replace("    label: Inativar cadastro\n    actions: [inactivate_client]\n", kind);
  it.each([
    { name: "a duration that is not one", kind: "    label: X\n    actions: [inactivate_client]\n    dunning:\n      - { id: a, label: A, channel: email, after: 7 days }\n", path: "kinds.toggle.dunning[0].after", message: /"7 days" is not a duration/ },
    { name: "a cut-off day not every month has", kind: "    label: X\n    actions: [inactivate_client]\n    calendar: { notice: { cutoff_day: 31 } }\n", path: "kinds.toggle.calendar.notice.cutoff_day", message: /at most 28/ },
    { name: "an unknown placeholder", kind: "    label: X\n    actions: [inactivate_client]\n    dunning:\n      - { id: a, label: A, channel: email, after: 1d, template: { es: 'Hola {nombre}' } }\n", path: "kinds.toggle.dunning[0].template.es", message: /unknown placeholder \{nombre\}/ },
    { name: "reactivation before a deletion that never comes", kind: "    label: X\n    actions: [inactivate_client]\n    reactivation: { until: before_deletion }\n", path: "kinds.toggle.reactivation.until", message: /needs calendar.data_deletion/ },
    { name: "a dunning channel Offboard does not know", kind: "    label: X\n    actions: [inactivate_client]\n    dunning:\n      - { id: a, label: A, channel: pigeon, after: 1d }\n", path: "kinds.toggle.dunning[0].channel", message: /^"pigeon" is not accepted: use email \| phone \| whatsapp \| letter \| other$/ },
    { name: "a ladder nothing waits for", kind: "    label: X\n    actions: [inactivate_client]\n    dunning:\n      - { id: a, label: A, channel: email, after: 1d }\n", path: "kinds.toggle.checks", message: /needs a check with automatic: dunning_complete/ },
    { name: "a ladder check without a ladder", kind: "    label: X\n    checks: [{ id: l, label: L, automatic: dunning_complete }]\n    actions: [inactivate_client]\n", path: "kinds.toggle.dunning", message: /needs a dunning ladder/ },
    { name: "business hours backwards", kind: "    label: X\n    actions: [inactivate_client]\nreminders: { business_hours: { from: '18:00', to: '09:00' } }\n", path: "reminders.business_hours", message: /from must be before to/ },
    { name: "deletion waiting for a check that is not there", kind: "    label: X\n    actions: [inactivate_client]\n    calendar: { data_deletion: end_of_following_month, deletion_waits_for: [backup] }\n", path: "kinds.toggle.calendar.deletion_waits_for[0]", message: /"backup" is not a manual check of this kind/ },
    { name: "deletion waiting when data is never deleted", kind: "    label: X\n    checks: [{ id: backup, label: B }]\n    actions: [inactivate_client]\n    calendar: { deletion_waits_for: [backup] }\n", path: "kinds.toggle.calendar.deletion_waits_for", message: /never deleted/ },
    { name: "two steps with one id", kind: "    label: X\n    actions: [inactivate_client]\n    dunning:\n      - { id: a, label: A, channel: email, after: 1d }\n      - { id: a, label: B, channel: phone, after: 1d }\n", path: "kinds.toggle.dunning[1].id", message: /duplicate step id "a"/ },
  ])("$name", ({ kind, path, message }) => {
    const result = parsePolicy(withKind(kind));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems).toContainEqual(expect.objectContaining({ path, message: expect.stringMatching(message) }));
  });

  it("reads the calendar and ladder into the model", () => {
    const result = parsePolicy(withKind("    label: X\n    checks: [{ id: ladder, label: L, automatic: dunning_complete }]\n    actions: [inactivate_client]\n    calendar: { notice: { cutoff_day: 10 }, service_ends: end_of_month, data_deletion: { after_service_ends: P1M } }\n    reactivation: { until: before_deletion }\n    dunning:\n      - { id: a, label: A, channel: email, after: 36h, final_notice: true }\n"));
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.policy.kinds.toggle!.calendar).toEqual({
        notice: { cutoffDay: 10 },
        serviceEnds: { type: "end_of_month" },
        dataDeletion: { type: "after_service_ends", duration: { months: 1 } },
        reactivableUntil: { type: "before_deletion" },
        deletionReminder: { days: 7 },
      });
      expect(result.policy.kinds.toggle!.dunning).toEqual([{ id: "a", label: "A", channel: "email", after: { hours: 36 }, from: "previous", finalNotice: true, send: "manual" }]);
    }
  });
});

describe("any wrong value anywhere is a problem, never a crash", () => {
  it("every value of a rich policy, replaced by each wrong type", async () => {
    const { parse, stringify } = await import("yaml");
    const original = parse(await readFile("offboard.policy.example.yml", "utf8")) as unknown;
    const paths: (string | number)[][] = [];
    const walk = (node: unknown, path: (string | number)[]) => {
      paths.push(path);
      if (Array.isArray(node)) node.forEach((v, i) => walk(v, [...path, i]));
      else if (node && typeof node === "object") for (const [k, v] of Object.entries(node)) walk(v, [...path, k]);
    };
    walk(original, []);
    const replacements: unknown[] = [null, 5, -1, "x", "", [], {}, true, [null], { a: 1 }];
    let refused = 0;
    for (const path of paths) {
      for (const replacement of replacements) {
        const copy = structuredClone(original) as Record<string, unknown>;
        if (path.length === 0) continue;
        let parent: Record<string | number, unknown> = copy;
        for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
        parent[path.at(-1)!] = replacement;
        const result = parsePolicy(stringify(copy));
        if (!result.ok) {
          refused += 1;
          expect(result.problems.length).toBeGreaterThan(0);
        }
      }
    }
    expect(paths.length).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(paths.length * 3);
  });
});

describe("problems in plain words", () => {
  const problemsOf = (text: string) => {
    const result = parsePolicy(text);
    return result.ok ? [] : result.problems.map((p) => `${p.line}: ${p.path}: ${p.message}`);
  };
  const withKind = (lines: string) => VALID.replace("    actions: [inactivate_client]\n", `    actions: [inactivate_client]\n${lines}`);

  it.each([
    ["service_ends", withKind("    calendar: { service_ends: later }\n"), '13: kinds.toggle.calendar.service_ends: "later" is not accepted: use end_of_month | immediately | { after: DURATION }'],
    ["data_deletion", withKind("    calendar: { data_deletion: soon }\n"), '13: kinds.toggle.calendar.data_deletion: "soon" is not accepted: use never | end_of_following_month | { after_service_ends: DURATION }'],
    ["reactivation.until", withKind("    reactivation: { until: never }\n"), '13: kinds.toggle.reactivation.until: "never" is not accepted: use always | before_deletion | { after_service_ends: DURATION }'],
    ["language", VALID.replace("language: pt", "language: fr"), '3: language: "fr" is not accepted: use en | es | pt'],
    ["an action", VALID.replace("[inactivate_client]", "[shred]"), '12: kinds.toggle.actions[0]: "shred" is not accepted: use inactivate_client | hold_invoices | cancel_subscriptions | keep_login_records | send_to_collections'],
    ["system_of_record.type", `${VALID}system_of_record: { type: ftp }\n`, '13: system_of_record.type: "ftp" is not accepted: use ledger | http'],
    ["a label", VALID.replace("label: Inativar cadastro", "label: [a, b]"), "11: kinds.toggle.label: a list is not accepted: use text, or { en: TEXT, es: TEXT, pt: TEXT }"],
  ])("a value that is none of the accepted ones names them: %s", (_name, text, expected) => {
    expect(problemsOf(text)).toEqual([expected]);
  });

  it("a value in the shape of one form is told what is wrong inside it", () => {
    expect(problemsOf(withKind("    calendar: { service_ends: { after: 7 days } }\n"))).toEqual([
      '13: kinds.toggle.calendar.service_ends.after: "7 days" is not a duration: use 45s, 30m, 36h, 7d, 2w or ISO 8601 such as P7D, PT36H, P1M',
    ]);
  });

  it.each([
    ["a missing channel", VALID.replace("  management: C0MGR\n", ""), "4: channels.management: required"],
    ["a missing section", VALID.replace("channels:\n  requests: C0REQ\n  management: C0MGR\n", ""), "1: channels: required"],
    ["a missing language", VALID.replace("language: pt\n", ""), "1: language: required: use en | es | pt"],
    ["a missing label", VALID.replace("    label: Inativar cadastro\n", ""), "10: kinds.toggle.label: required: use text, or { en: TEXT, es: TEXT, pt: TEXT }"],
    ["a missing version", VALID.replace("version: 1\n", ""), "1: version: required: write version: 1 at the top"],
    ["a number given as text", VALID.replace("  users: [U0BOSS]", "  users: [U0BOSS]\n  required: two"), '9: approvers.required: expected a number, found "two"'],
    ["a number out of range", VALID.replace("  users: [U0BOSS]", "  users: [U0BOSS]\n  required: 0"), "9: approvers.required: must be at least 1, not 0"],
  ])("says what is missing or wrong without the validator's words: %s", (_name, text, expected) => {
    expect(problemsOf(text)).toEqual([expected]);
  });

  it.each([
    ["no bytes at all", ""],
    ["blank lines", "  \n\n"],
    ["comments only", "# Offboard policy\n# nothing yet\n"],
  ])("an empty file is one problem, the file is empty: %s", (_name, text) => {
    expect(problemsOf(text)).toEqual(["null: : the file is empty: start from a copy of offboard.policy.example.yml"]);
  });

  it("a duplicate id is reported together with every other problem of the file", () => {
    const text = VALID.replace("language: pt", "language: fr")
      .replace("[inactivate_client]", "[inactivate_client, inactivate_client]")
      .replace("    actions:", "    checks:\n      - { id: a, label: A }\n      - { id: a }\n    actions:")
      .concat("    dunning:\n      - { id: s, label: S, channel: email, after: 1d }\n      - { id: s, label: T, channel: pigeon, after: 1d }\n");
    expect(problemsOf(text)).toEqual([
      '3: language: "fr" is not accepted: use en | es | pt',
      "14: kinds.toggle.checks[1].label: required: use text, or { en: TEXT, es: TEXT, pt: TEXT }",
      '14: kinds.toggle.checks[1].id: duplicate check id "a" (first at checks[0]): give each check its own id',
      '15: kinds.toggle.actions[1]: "inactivate_client" is listed twice: list each action once',
      '18: kinds.toggle.dunning[1].channel: "pigeon" is not accepted: use email | phone | whatsapp | letter | other',
      '18: kinds.toggle.dunning[1].id: duplicate step id "s" (first at dunning[0]): give each step its own id',
    ]);
  });

  it("no message anywhere uses the validator's own wording", async () => {
    const { parse, stringify } = await import("yaml");
    const original = parse(await readFile("offboard.policy.example.yml", "utf8")) as unknown;
    const messages = new Set<string>();
    const visit = (node: unknown, path: (string | number)[]) => {
      for (const replacement of [undefined, null, 5, 1.5, -1, "x", "", [], {}, true, [null], { a: 1 }]) {
        if (path.length === 0) break;
        const copy = structuredClone(original) as Record<string | number, unknown>;
        let parent = copy;
        for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
        if (replacement === undefined) delete parent[path.at(-1)!];
        else parent[path.at(-1)!] = replacement;
        const result = parsePolicy(stringify(copy));
        if (!result.ok) for (const p of result.problems) messages.add(p.message);
      }
      if (Array.isArray(node)) node.forEach((v, i) => visit(v, [...path, i]));
      else if (node && typeof node === "object") for (const [k, v] of Object.entries(node)) visit(v, [...path, k]);
    };
    visit(original, []);
    expect(messages.size).toBeGreaterThan(30);
    expect([...messages].filter((m) => /Invalid (input|option|discriminator)|received|Too (small|big)|expected (string|number|object|array|record|boolean)|\bto be\b|^missing/.test(m))).toEqual([]);
  });
});

describe("loadPolicyFile", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "offboard-policy-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("a missing file is not found, says how to make one, and is told apart from an invalid one", async () => {
    const path = join(dir, "offboard.policy.yml");
    const load = await loadPolicyFile(path);
    expect(load).toEqual({
      ok: false,
      failure: "not_found",
      problems: [{ path: "", line: null, message: `the policy file was not found at ${path} (copy offboard.policy.example.yml to offboard.policy.yml and edit it, or set OFFBOARD_POLICY to your file's path)` }],
    });
    if (!load.ok) expect(describePolicyFailure(path, load)).toBe(load.problems[0]!.message);
  });

  it("a directory is unreadable, an invalid file is invalid with every problem listed", async () => {
    expect(await loadPolicyFile(dir)).toMatchObject({ ok: false, failure: "unreadable", problems: [{ message: `cannot read the policy file ${dir}: it is a directory, not a file` }] });
    const path = join(dir, "bad.yml");
    await writeFile(path, VALID.replace("language: pt", "language: fr").replace("  management: C0MGR\n", ""));
    const load = await loadPolicyFile(path);
    expect(load).toMatchObject({ ok: false, failure: "invalid" });
    if (!load.ok) {
      expect(describePolicyFailure(path, load).split("\n")).toEqual([`${path}: 2 problems`, `${path}:3: language: "fr" is not accepted: use en | es | pt`, `${path}:4: channels.management: required`]);
    }
  });
});
