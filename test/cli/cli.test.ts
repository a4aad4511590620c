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
      expect.stringMatching(/bad\.yml:20: approvers\.required: must be at least 1, not 0$/),
      expect.stringMatching(/bad\.yml:\d+: kinds\.voluntary\.actions\[1\]: "shred_everything" is not accepted: use inactivate_client \| hold_invoices \|/),
    ]);
  });

  it("a missing file is one clear line: not found, and how to make one", async () => {
    const result = await cli("policy", "check", "nowhere.yml");
    expect(result).toEqual({
      code: 1,
      stdout: "",
      stderr: `offboard: the policy file was not found at ${join(dir, "nowhere.yml")} (copy offboard.policy.example.yml to offboard.policy.yml and edit it, or set OFFBOARD_POLICY to your file's path)\n`,
    });
    const timeline = await cli("policy", "timeline", "--policy", "nowhere.yml", "--kind", "voluntary", "--requested-at", "2026-08-09");
    expect(timeline.stderr).toMatch(/^offboard: the policy file was not found at .*nowhere\.yml \(copy offboard\.policy\.example\.yml/);
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
  }, 120_000);
});

describe("the installed command", () => {
  const run = promisify(execFile);
  it("runs through bin/offboard.js with the right exit codes", async () => {
    const ok = await run(process.execPath, [BIN, "policy", "check", "offboard.policy.example.yml"]);
    expect(ok.stdout).toMatch(/valid — 2 kind\(s\)/);
    const failure = await run(process.execPath, [BIN, "policy", "check", "no-such.yml"]).catch((e: { code: number; stderr: string }) => e);
    expect(failure).toMatchObject({ code: 1, stderr: expect.stringMatching(/^offboard: the policy file was not found at .*no-such\.yml \(copy offboard\.policy\.example\.yml to offboard\.policy\.yml/) });
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

describe("no command, and the version", () => {
  it("no command prints the usage and exits 2; a command group without its subcommand too", async () => {
    const none = await cli();
    expect(none).toMatchObject({ code: 2, stdout: "" });
    expect(none.stderr).toMatch(/^Usage: offboard \[options\] \[command\]/);
    expect(none.stderr).toMatch(/policy +check the policy file/);
    expect(await cli("clients")).toMatchObject({ code: 2, stderr: expect.stringMatching(/^Usage: offboard clients/) });
    expect(await cli("help")).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Usage: offboard/) });
  });

  it("--version and -V print package.json's version and exit 0", async () => {
    const { version } = JSON.parse(await readFile("package.json", "utf8")) as { version: string };
    expect(await cli("--version")).toEqual({ code: 0, stdout: `${version}\n`, stderr: "" });
    expect(await cli("-V")).toEqual({ code: 0, stdout: `${version}\n`, stderr: "" });
  });

  it("the installed command exits 2 with no command, and prints its version", async () => {
    const run = promisify(execFile);
    const none = await run(process.execPath, [BIN]).catch((e: { code: number; stdout: string; stderr: string }) => e);
    expect(none).toMatchObject({ code: 2, stdout: "", stderr: expect.stringMatching(/^Usage: offboard/) });
    const { version } = JSON.parse(await readFile("package.json", "utf8")) as { version: string };
    expect((await run(process.execPath, [BIN, "--version"])).stdout).toBe(`${version}\n`);
  });
});

describe("imports: files that are not UTF-8 CSV", () => {
  const CLIENTS = "ref,name,contact_name,contact_email,contact_phone,third_party,hosted_database\n";
  const bytes = async (name: string, content: Buffer) => {
    await writeFile(join(dir, name), content);
    return name;
  };

  it("a Latin-1 file is refused at its line with the hint, then imports with --encoding latin1", async () => {
    const latin = await bytes("latin.csv", Buffer.from(`${CLIENTS}LAT-1,Plain,,,,no,no\nLAT-2,Compañía Ñandú,,,,no,no\n`, "latin1"));
    const refused = await cli("clients", "import", latin);
    expect(refused).toEqual({
      code: 1,
      stdout: "",
      stderr: `offboard: ${join(dir, latin)}: nothing imported, 1 problem\n${join(dir, latin)}:3: not UTF-8 text (the file looks like Latin-1 or Windows-1252): save it as "CSV UTF-8" in your spreadsheet, or import it with --encoding latin1\n`,
    });
    expect(await cli("clients", "import", "--encoding", "latin1", latin)).toMatchObject({ code: 0, stdout: expect.stringMatching(/latin\.csv: 2 created, 0 updated/) });
    expect(await cli("clients", "import", latin, "--encoding", "utf16")).toMatchObject({ code: 2, stderr: expect.stringMatching(/Allowed choices are utf8, latin1/) });
    expect(await cli("invoices", "import", "--help")).toMatchObject({ code: 0, stdout: expect.stringMatching(/--encoding <encoding>/) });
    expect(await cli("equipment", "import", "--help")).toMatchObject({ code: 0, stdout: expect.stringMatching(/--encoding <encoding>/) });
  });

  it("a binary file is not a CSV file, and none of its bytes reach the terminal", async () => {
    const workbook = await bytes("clients.xlsx", Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00, 0x08]), Buffer.from("[Content_Types].xml\u0000\u0001\u0002")]));
    const result = await cli("clients", "import", workbook);
    expect(result).toEqual({
      code: 1,
      stdout: "",
      stderr: `offboard: ${join(dir, workbook)}: nothing imported, 1 problem\n${join(dir, workbook)}:1: not a CSV file: it is a zip archive, such as an Excel .xlsx or OpenDocument .ods workbook; save the data as "CSV UTF-8" in your spreadsheet and import that file\n`,
    });
    const image = await bytes("photo.csv", Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52]));
    const png = await cli("equipment", "import", image);
    expect(png).toMatchObject({ code: 1, stderr: expect.stringMatching(/photo\.csv:1: not a CSV file: it is binary data, not text;/) });
    expect(png.stderr).not.toMatch(/PNG|IHDR|[\u0000-\u0008\u000e-\u001f]/);
  });

  it("every problem of a row is listed at once, and a client_ref is matched without case or accents", async () => {
    await cli("clients", "import", await file("row.csv", `${CLIENTS}RÓW-1,Row,,,,no,no\n`));
    const invoices = await file("row-invoices.csv", "client_ref,number,amount,currency,due_on,status\nrow 1,X-1,12.345,USD,2026-02-30,open\nROW-1,X-2,1,USD,2026-08-01,open\n");
    const result = await cli("invoices", "import", invoices);
    expect(result.code).toBe(1);
    expect(result.stderr.trimEnd().split("\n").slice(1)).toEqual([
      `${join(dir, invoices)}:2: amount: USD has 2 decimals; "12.345" has 3`,
      `${join(dir, invoices)}:2: due_on: a date as YYYY-MM-DD`,
    ]);
    expect(await cli("invoices", "import", await file("row-ok.csv", "client_ref,number,amount,currency,due_on,status\nrow 1,X-1,12.34,USD,2026-02-28,open\n"))).toMatchObject({ code: 0 });
  });
});

describe("a refused secret is named in plain words", () => {
  it("a signing secret that is a word is refused, and the message keeps its words", async () => {
    expect(await cliWith({ SLACK_SIGNING_SECRET: "secret" }, ["migrate"])).toEqual({
      code: 2,
      stdout: "",
      stderr: "offboard: bad environment: SLACK_SIGNING_SECRET: the signing secret is 32 hexadecimal characters (0-9, a-f): copy it from Basic Information > App Credentials > Signing Secret\n",
    });
  });
});

describe("with an HTTP system of record in the policy", () => {
  async function httpPolicy() {
    const example = await readFile("offboard.policy.example.yml", "utf8");
    const text = example.replace(/^# system_of_record:\n((?:#.*\n)+)/m, (block) => block.replace(/^# /gm, ""));
    if (text === example) throw new Error("the example policy's commented system_of_record block was not found");
    return file("http-policy.yml", text);
  }

  it("imports refuse with one line, writing nothing into the ledger nobody reads", async () => {
    const policy = await httpPolicy();
    const env = { ...databaseEnv, OFFBOARD_POLICY: policy };
    const cases: [string, string][] = [
      ["clients", "ref,name,contact_name,contact_email,contact_phone,third_party,hosted_database\nHTTP-1,Remote Only,,,,no,no\n"],
      ["invoices", "client_ref,number,amount,currency,due_on,status\nHTTP-1,H-1,10,USD,2026-08-01,open\n"],
      ["equipment", "client_ref,serial,description,status\nHTTP-1,ONT-H,Router,out\n"],
    ];
    for (const [what, csv] of cases) {
      const result = await cliWith(env, [what, "import", await file(`http-${what}.csv`, csv)]);
      expect(result).toEqual({
        code: 1,
        stdout: "",
        stderr: `offboard: nothing imported: ${join(dir, policy)} keeps ${what} in the system of record at https://billing.example.com/offboard/, not in the built-in ledger imports fill; add them there\n`,
      });
    }
    // (This runs after the import tests migrated the database: the list is read for real.)
    const listed = await cliWith(databaseEnv, ["clients", "list", "--format", "json"]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).not.toContain("HTTP-1");
  });

  it("policy check warns (exit 0) when the secret's variable is not set where it runs, or too short", async () => {
    const policy = await httpPolicy();
    const unset = await cliWith(databaseEnv, ["policy", "check", policy]);
    expect(unset.code).toBe(0);
    expect(unset.stdout).toMatch(/http-policy\.yml: valid/);
    expect(unset.stderr).toBe("offboard: warning: OFFBOARD_SOR_SECRET is not set here; `offboard start` with this policy needs it (the shared secret for https://billing.example.com/offboard/, at least 16 characters)\n");
    expect(await cliWith({ ...databaseEnv, OFFBOARD_SOR_SECRET: "short" }, ["policy", "check", policy])).toMatchObject({ code: 0, stderr: expect.stringMatching(/^offboard: warning: OFFBOARD_SOR_SECRET is shorter than 16 characters/) });
    expect(await cliWith({ ...databaseEnv, OFFBOARD_SOR_SECRET: "a-long-enough-shared-secret" }, ["policy", "check", policy])).toMatchObject({ code: 0, stderr: "" });
  });
});
