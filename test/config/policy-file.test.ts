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

  it("fills defaults and maps snake_case to the model", () => {
    const result = parsePolicy(VALID);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.policy.approvers).toEqual({ users: ["U0BOSS"], required: 1, allowSelfApproval: false });
      expect(result.policy.kinds.toggle).toEqual({ id: "toggle", label: "Inativar cadastro", checks: [], actions: ["inactivate_client"], reactivation: { allowed: true } });
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
