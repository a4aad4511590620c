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

describe("offboard policy timeline", () => {
  it.each([
    // Seed 002's example: asked on 9 August, September is not billed, data deleted on 30 September.
    { at: "2026-08-09T10:00:00-03:00", expected: { requestedOn: "2026-08-09", lastBilledMonth: "2026-08", serviceEndsOn: "2026-08-31", dataDeletedOn: "2026-09-30", reactivableUntil: "2026-09-29" } },
    { at: "2026-08-11", expected: { requestedOn: "2026-08-11", lastBilledMonth: "2026-09", serviceEndsOn: "2026-09-30", dataDeletedOn: "2026-10-31", reactivableUntil: "2026-10-30" } },
    // 02:30 UTC on the 10th is still the 9th in Montevideo.
    { at: "2026-08-10T02:30:00Z", expected: { requestedOn: "2026-08-09", lastBilledMonth: "2026-08" } },
  ])("--json prints exactly one object: $at", async ({ at, expected }) => {
    const result = await cli("policy", "timeline", "--kind", "voluntary", "--requested-at", at, "--json");
    expect(result.code).toBe(0);
    expect(result.stdout.trimEnd().split("\n")).toHaveLength(1);
    const json = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(["kind", "requestedOn", "lastBilledMonth", "serviceEndsOn", "dataDeletedOn", "reactivableUntil", "dunning"]);
    expect(json).toMatchObject({ kind: "voluntary", dunning: [], ...expected });
  });

  it("lists the dunning ladder's due dates, and null where the policy says never", async () => {
    const result = await cli("policy", "timeline", "--kind", "non_payment", "--requested-at", "2026-08-09T10:00:00-03:00", "--json");
    expect(JSON.parse(result.stdout)).toEqual({
      kind: "non_payment",
      requestedOn: "2026-08-09",
      lastBilledMonth: null,
      serviceEndsOn: "2026-08-31",
      dataDeletedOn: null,
      reactivableUntil: null,
      dunning: [
        { id: "email_1", label: "Primer correo de cobranza", dueOn: "2026-08-10" },
        { id: "email_2", label: "Segundo correo de cobranza", dueOn: "2026-08-17" },
        { id: "email_3", label: "Tercer correo de cobranza", dueOn: "2026-08-24" },
        { id: "call", label: "Llamada telefónica", dueOn: "2026-08-27" },
        { id: "final_notice", label: "Aviso final (correo y WhatsApp)", dueOn: "2026-08-29" },
      ],
    });
  });

  it("prints a readable table without --json", async () => {
    const result = await cli("policy", "timeline", "--kind", "voluntary", "--requested-at", "2026-08-09");
    expect(result.stdout).toContain("last billed month  2026-08\n");
    expect(result.stdout).toContain("data deleted on    2026-09-30\n");
  });

  it.each([
    { args: ["--kind", "nope", "--requested-at", "2026-08-09"], code: 2, err: /no kind "nope" .*\(kinds: voluntary, non_payment\)/ },
    { args: ["--kind", "voluntary", "--requested-at", "yesterday"], code: 2, err: /--requested-at "yesterday" is not an ISO 8601 date-time/ },
    { args: ["--kind", "voluntary"], code: 2, err: /required option '--requested-at <instant>' not specified/ },
  ])("refuses $args", async ({ args, code, err }) => {
    const result = await cli("policy", "timeline", ...args);
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(err);
  });
});
