import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli.ts";
import { ReferenceSystem } from "../support/reference-sor.ts";

// `offboard connector check` against the reference server (passes) and against
// deliberately broken variants of it (each fails the matching check, exit 1).
const SECRET = "conformance-secret-0123456789";
const remote = new ReferenceSystem(SECRET);
let dir: string;

async function policyFor(baseUrl: string) {
  const example = await readFile("offboard.policy.example.yml", "utf8");
  await writeFile(
    join(dir, "offboard.policy.yml"),
    `${example}\nsystem_of_record:\n  type: http\n  base_url: ${baseUrl}\n  secret_env: OFFBOARD_SOR_SECRET\n  timeout: 1s\n  retries: 0\n`,
  );
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "offboard-connector-"));
  await remote.start();
  await policyFor(remote.url);
});
afterAll(async () => {
  await remote.stop();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  remote.reset();
  remote.clients.clear();
  remote.clients.set("TEST-1", { ref: "TEST-1", name: "Prueba Uno", status: "active", invoices: [{ number: "F-1", amount_minor: "1500", currency: "USD", due_on: "2026-08-01", status: "open", on_hold: false }], subscriptions: [{ plan: "Pro", status: "active" }], equipment: [{ serial: "S-1", description: "Router" }], logins: [], contacts: [{ name: "Ana", email: "ana@test1.test", phone: "+59899123456", role: "billing", language: "es", primary: true }, { name: "Front desk" }] });
});

async function check(...args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(["connector", "check", ...args], {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: { OFFBOARD_SOR_SECRET: SECRET },
    cwd: dir,
  });
  return { code, stdout, stderr, lines: stdout.split("\n").filter((l) => /^(PASS|FAIL|SKIP) /.test(l)) };
}

describe("offboard connector check", () => {
  it("passes the reference server, reads only: never sends an action", async () => {
    const result = await check("--ref", "TEST-1");
    expect(result.lines.filter((l) => !l.startsWith("PASS"))).toEqual(["SKIP idempotent replay: runs actions: pass --actions with --ref of test clients"]);
    expect(result.lines.map((l) => l.split(":")[0])).toEqual([
      "PASS signature accepted",
      "PASS bad signature refused",
      "PASS old timestamp refused",
      "PASS refusal format",
      "PASS shape clients/get TEST-1",
      "PASS shape clients/pending-charges TEST-1",
      "PASS shape clients/equipment-out TEST-1",
      "PASS shape clients/contacts TEST-1",
      "PASS shape clients/search TEST-1",
      "PASS unknown ref on reads",
      "SKIP idempotent replay",
      "PASS timing",
    ]);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toMatch(/all 11 checks passed/);
    expect(result.lines).toContainEqual("PASS shape clients/contacts TEST-1: valid, 2 contacts, 1 with an email or a phone");
    expect(remote.calls.filter((c) => !c.path.startsWith("clients/"))).toEqual([]);
  });

  it("with --actions, replays each action once per key on the test ref only, and leaves it as it was", async () => {
    const result = await check("--ref", "TEST-1", "--actions");
    expect(result.lines.filter((l) => !l.startsWith("PASS"))).toEqual([]);
    expect(result.lines).toContainEqual(expect.stringMatching(/^PASS idempotent replay TEST-1: /));
    expect(result.lines).toContainEqual(expect.stringMatching(/^PASS unknown ref on actions: 404/));
    expect(result.code).toBe(0);
    const acted = remote.calls.filter((c) => !c.path.startsWith("clients/"));
    expect(new Set(acted.map((c) => c.path))).toEqual(new Set(["actions/inactivate-client", "actions/reactivate-client", "work-orders"]));
    expect(acted.filter((c) => c.replayed).length).toBe(3);
    expect(new Set(acted.map((c) => c.body.ref))).toEqual(new Set(["TEST-1", "offboard-conformance-no-such-client"]));
    expect(remote.clients.get("TEST-1")!.status).toBe("active");
  });

  it("fails a server that accepts a bad signature", async () => {
    remote.acceptsBadSignatures = true;
    const result = await check("--ref", "TEST-1");
    expect(result.lines).toContainEqual("FAIL bad signature refused: a request with a wrong signature answered 200, not 401");
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^offboard: \d+ of \d+ checks failed\n$/);
  });

  it("fails a server that accepts a request signed 10 minutes ago", async () => {
    remote.ignoresTimestamp = true;
    const result = await check("--ref", "TEST-1");
    expect(result.lines.filter((l) => l.startsWith("FAIL"))).toEqual(["FAIL old timestamp refused: a correctly signed request whose timestamp is 600 s old answered 200, not 401 (the window is 300 s)"]);
    expect(result.code).toBe(1);
  });

  it("fails a server that acts again on a replayed key", async () => {
    remote.remembersNothing = true;
    const result = await check("--ref", "TEST-1", "--actions");
    expect(result.lines.filter((l) => l.startsWith("FAIL"))).toEqual([expect.stringMatching(/^FAIL idempotent replay TEST-1: actions\/inactivate-client sent twice with the same Idempotency-Key answered 200 .*inactivated":true.* then 200 .*inactivated":false/)]);
    expect(result.code).toBe(1);
  });

  it("fails a server that answers a wrong shape", async () => {
    remote.wrongShape = true;
    const result = await check("--ref", "TEST-1");
    expect(result.lines).toContainEqual(expect.stringMatching(/^FAIL shape clients\/get TEST-1: client\.third_party: Invalid input: expected boolean/));
    expect(result.lines).toContainEqual(expect.stringMatching(/^FAIL shape clients\/search TEST-1: clients\.0\.third_party/));
    expect(result.lines).toContainEqual("FAIL shape clients/contacts TEST-1: contacts.0.phone: a phone number in E.164: + and the country code, digits only, e.g. +59899123456");
    expect(result.code).toBe(1);
  });

  it("fails a server without clients/contacts, saying it is part of the contract", async () => {
    remote.lacks = ["clients/contacts"];
    const result = await check("--ref", "TEST-1");
    expect(result.lines.filter((l) => l.startsWith("FAIL"))).toEqual([
      "FAIL shape clients/contacts TEST-1: answered 404: {\"error\":{\"message\":\"no such operation clients/contacts\"}} (clients/contacts is part of the contract: the client's contacts)",
    ]);
    expect(result.code).toBe(1);
  });

  it("fails a server that refuses in plain text", async () => {
    remote.plainTextRefusals = true;
    const result = await check("--ref", "TEST-1");
    expect(result.lines.filter((l) => l.startsWith("FAIL"))).toEqual(['FAIL refusal format: the 401 for a bad signature: the body is not {"error":{"message":"…"}}: bad signature']);
    expect(result.code).toBe(1);
  });

  it("fails a server slower than the policy's timeout", async () => {
    remote.delayMs = 1100;
    const result = await check();
    expect(result.lines).toContainEqual(expect.stringMatching(/^FAIL timing: 4 of 4 calls took longer than the timeout \(1000 ms\)/));
    expect(result.code).toBe(1);
  }, 20_000);

  it("fails when a given ref is not a client there", async () => {
    const result = await check("--ref", "NOT-THERE");
    expect(result.lines).toContainEqual('FAIL shape clients/get NOT-THERE: answered {"client": null}: is NOT-THERE one of your test clients?');
    expect(result.code).toBe(1);
  });

  it("--base-url overrides the policy's; the secret comes from secret_env", async () => {
    await policyFor("http://127.0.0.1:9/nowhere/");
    try {
      expect((await check("--ref", "TEST-1", "--base-url", remote.url)).code).toBe(0);
      const unreachable = await check("--ref", "TEST-1");
      expect(unreachable.lines[0]).toMatch(/^FAIL signature accepted: the call failed: fetch failed/);
      expect(unreachable.code).toBe(1);
    } finally {
      await policyFor(remote.url);
    }
    let stderr = "";
    const code = await runCli(["connector", "check", "--ref", "TEST-1"], { stdout: { write: () => true }, stderr: { write: (s: string) => (stderr += s) }, env: {}, cwd: dir });
    expect({ code, stderr }).toEqual({ code: 1, stderr: "offboard: OFFBOARD_SOR_SECRET is not set: it holds the shared secret the server checks signatures with\n" });
  });

  it("refuses --actions without a --ref (exit 2)", async () => {
    const result = await check("--actions");
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--actions acts on the --ref clients/);
    expect(remote.calls).toEqual([]);
  });
});

describe("offboard connector schema", () => {
  it("prints the committed OpenAPI document", async () => {
    let stdout = "";
    const code = await runCli(["connector", "schema"], { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: () => true }, env: {}, cwd: dir });
    expect(code).toBe(0);
    expect(stdout).toBe(await readFile("docs/connector.openapi.json", "utf8"));
  });
});
