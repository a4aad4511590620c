import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli.ts";
import { createPostgresDatabaseUrl, testDatabaseKind } from "../support/db.ts";

const BIN = new URL("../../bin/offboard.js", import.meta.url).pathname;
let dir: string;
let databaseEnv: Record<string, string> = {};
let dropDatabase = async () => {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "offboard-cli-"));
  await writeFile(join(dir, "offboard.policy.yml"), await readFile("offboard.policy.example.yml", "utf8"));
  if (testDatabaseKind === "postgres") {
    const database = await createPostgresDatabaseUrl();
    databaseEnv = { DATABASE_URL: database.url };
    dropDatabase = database.drop;
  }
});
afterAll(async () => {
  await dropDatabase();
  await rm(dir, { recursive: true, force: true });
});

async function cliWith(env: Record<string, string>, args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env,
    cwd: dir,
  });
  return { code, stdout, stderr };
}

const cli = (...args: string[]) => cliWith(databaseEnv, args);

async function file(name: string, content: string) {
  await writeFile(join(dir, name), content);
  return name;
}

describe("offboard policy check", () => {
  it("accepts a valid file (default path) and exits 0", async () => {
    const result = await cli("policy", "check");
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toMatch(/offboard\.policy\.yml: valid — 2 kind\(s\): voluntary, non_payment; time zone America\/Montevideo/);
  });

  it("lists every problem with key path and line, after a one-line reason, and exits 1", async () => {
    const bad = (await readFile("offboard.policy.example.yml", "utf8"))
      .replace("timezone: America/Montevideo", "timezone: Montevideo")
      .replace("required: 1 ", "required: 0 ")
      .replace("actions: [hold_invoices, inactivate_client]", "actions: [hold_invoices, shred_everything]");
    const result = await cli("policy", "check", await file("bad.yml", bad));
    expect(result.code).toBe(1);
    const lines = result.stderr.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^offboard: .*bad\.yml: 3 problems$/);
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/bad\.yml:8: timezone: an IANA time zone/),
      expect.stringMatching(/bad\.yml:20: approvers\.required: Too small/),
      expect.stringMatching(/bad\.yml:\d+: kinds\.voluntary\.actions\[1\]: Invalid option/),
    ]);
  });

  it("a missing file is one clear line", async () => {
    const result = await cli("policy", "check", "nowhere.yml");
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/no policy file at .*nowhere\.yml/);
  });
});

describe("usage", () => {
  it.each([
    { args: ["--help"], code: 0, out: /Usage: offboard/ },
    { args: ["clients", "import", "--help"], code: 0, out: /ref,name,contact_name,contact_email,contact_phone,third_party,hosted_database/ },
    { args: ["frobnicate"], code: 2, err: /unknown command 'frobnicate'/ },
    { args: ["clients", "import"], code: 2, err: /missing required argument 'file'/ },
    { args: ["audit", "export"], code: 2, err: /required option '--format <format>' not specified/ },
    { args: ["audit", "export", "--format", "xml"], code: 2, err: /Allowed choices are csv, jsonl/ },
    { args: ["audit", "export", "--format", "csv", "--from", "yesterday"], code: 2, err: /--from "yesterday" is not an ISO 8601 date/ },
    { args: ["audit", "export", "--format", "csv", "--from", "2026-09-01", "--to", "2026-08-01"], code: 2, err: /--from must be before --to/ },
  ])("offboard $args exits $code", async ({ args, code, out, err }) => {
    const result = await cli(...args);
    expect(result.code).toBe(code);
    if (out) expect(result.stdout).toMatch(out);
    if (err) expect(result.stderr).toMatch(err);
  });

  it("a malformed DATABASE_URL is refused before anything runs", async () => {
    expect(await cliWith({ DATABASE_URL: "mysql://x" }, ["migrate"])).toEqual({
      code: 2,
      stdout: "",
      stderr: "offboard: bad environment: DATABASE_URL: a postgres:// or postgresql:// URL (leave unset for the embedded database)\n",
    });
  });
});

describe(`imports, migrate and the audit trail (${testDatabaseKind} database)`, () => {
  it("imports, refuses a bad file without changes, verifies and exports the trail", async () => {
    const migrations = (await readdir("prisma/migrations", { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    expect(await cli("migrate")).toEqual({ code: 0, stderr: "", stdout: `applied ${migrations.length} migration(s): ${migrations.join(", ")}\n` });
    expect(await cli("migrate")).toMatchObject({ code: 0, stdout: "the database is up to date\n" });

    const clients = await file("clients.csv", "ref,name,contact_name,contact_email,contact_phone,third_party,hosted_database\nACME,Acmé,Ana,ana@acme.example,,no,yes\n");
    expect(await cli("clients", "import", clients)).toMatchObject({ code: 0, stdout: expect.stringMatching(/imported .*clients\.csv: 1 created, 0 updated/) });

    const invoices = await file("invoices.csv", "client_ref,number,amount,currency,due_on,status\nACME,F-1,10,USD,2026-08-01,open\nACME,F-2,ten,USD,2026-08-01,open\n");
    const refused = await cli("invoices", "import", invoices);
    expect(refused.code).toBe(1);
    expect(refused.stderr.split("\n").slice(0, 2)).toEqual([
      expect.stringMatching(/^offboard: .*invoices\.csv: nothing imported, 1 problem$/),
      expect.stringMatching(/invoices\.csv:3: amount: an amount/),
    ]);

    const equipment = await file("equipment.csv", "client_ref,serial,description,status\nACME,ONT-1,Router,out\n");
    expect(await cli("equipment", "import", equipment)).toMatchObject({ code: 0 });

    expect(await cli("audit", "verify")).toMatchObject({ code: 0, stdout: "audit trail verified: 2 event(s), chain intact up to event 2\n" });

    const jsonl = await cli("audit", "export", "--format", "jsonl");
    const events = jsonl.stdout.trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.map((e) => [e.seq, e.action, e.data])).toEqual([
      [1, "clients.imported", { file: "clients.csv", created: 1, updated: 0 }],
      [2, "equipment.imported", { file: "equipment.csv", created: 1, updated: 0 }],
    ]);
    const csv = await cli("audit", "export", "--format", "csv", "--from", "2000-01-01", "--to", "2000-01-02");
    expect(csv.stdout).toBe("seq,at,actor,action,request_id,client_id,data,prev_hash,hash\n");
    const all = await cli("audit", "export", "--format", "csv");
    expect(all.stdout.trimEnd().split("\n")).toHaveLength(3);
    expect(all.stdout).toContain('"{""created"":1,""file"":""clients.csv"",""updated"":0}"');
  });
});

describe("the installed command", () => {
  const run = promisify(execFile);
  it("runs through bin/offboard.js with the right exit codes", async () => {
    const ok = await run(process.execPath, [BIN, "policy", "check", "offboard.policy.example.yml"]);
    expect(ok.stdout).toMatch(/valid — 2 kind\(s\)/);
    const failure = await run(process.execPath, [BIN, "policy", "check", "no-such.yml"]).catch((e: { code: number; stderr: string }) => e);
    expect(failure).toMatchObject({ code: 1, stderr: expect.stringMatching(/^offboard: .*no-such\.yml: 1 problem\n/) });
  });
});
