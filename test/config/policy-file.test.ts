import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { formatProblems, parsePolicy } from "../../src/config/policy-file.ts";

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
    { name: "a dunning channel Offboard does not know", kind: "    label: X\n    actions: [inactivate_client]\n    dunning:\n      - { id: a, label: A, channel: pigeon, after: 1d }\n", path: "kinds.toggle.dunning[0].channel", message: /Invalid option/ },
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
      expect(result.policy.kinds.toggle!.dunning).toEqual([{ id: "a", label: "A", channel: "email", after: { hours: 36 }, from: "previous", finalNotice: true }]);
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
