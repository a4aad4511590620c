import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli.ts";
import { databaseTarget } from "../../src/config/env.ts";
import { appendAudit } from "../../src/db/audit.ts";
import { openDatabase, type Db } from "../../src/db/database.ts";
import { BotProcess } from "../support/bot-process.ts";
import { createPostgresDatabaseUrl, rawEvent, testDatabaseKind, testDatabaseUrl } from "../support/db.ts";
import { FakeSlack } from "../support/fake-slack.ts";

// `offboard clients list|show` through runCli, as an admin runs them, on the database the
// environment names (embedded under the temp folder's ./data, or PostgreSQL under `npm run test:pg`).

const SECRET = "0123456789abcdef0123456789abcdef";
let dir: string;
let databaseEnv: Record<string, string> = {};
let dropDatabase = async () => {};

async function cliIn(cwd: string, env: Record<string, string>, args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, env, cwd });
  return { code, stdout, stderr };
}
const cli = (...args: string[]) => cliIn(dir, databaseEnv, args);

async function imported(name: string, content: string, what: string) {
  await writeFile(join(dir, name), content);
  const result = await cli(what, "import", name);
  expect(result, result.stderr).toMatchObject({ code: 0 });
}

/** The database the CLI uses, opened by the test between two commands (the embedded one allows one process at a time). */
async function withDb<T>(work: (db: Db) => Promise<T>): Promise<T> {
  const handle = await openDatabase(databaseTarget({ DATABASE_URL: databaseEnv.DATABASE_URL, OFFBOARD_DATA_DIR: "./data" }, dir));
  try {
    return await work(handle.prisma);
  } finally {
    await handle.close();
  }
}

const at = (iso: string) => new Date(iso);
let requestNumbers: { acme: number; zeta: number };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "offboard-clients-"));
  await writeFile(join(dir, "offboard.policy.yml"), await readFile("offboard.policy.example.yml", "utf8")); // America/Montevideo, -03:00
  if (testDatabaseKind === "postgres") {
    const database = await createPostgresDatabaseUrl();
    databaseEnv = { DATABASE_URL: database.url };
    dropDatabase = database.drop;
  }
  await imported(
    "clients.csv",
    [
      "ref,name,contact_name,contact_email,contact_phone,third_party,hosted_database",
      "ACME-01,Acmé S.A.,Ana Pérez,ana@acme.test,+598 99 123 456,no,yes",
      "ÑANDÚ-2,Ñandú Servicios,,,,yes,no",
      "BETA,Beta Co,Bob,bob@beta.test,,no,no",
      "ZETA-7,Zeta Libra Ltda,Zoe,zoe@zeta.test,,no,no",
      "",
    ].join("\n"),
    "clients",
  );
  await imported(
    "invoices.csv",
    [
      "client_ref,number,amount,currency,due_on,status",
      "acme-01,F-1,120.50,USD,2026-08-01,open",
      "ACME-01,F-2,99,UYU,2026-07-01,paid",
      "ACME-01,F-3,1500,UYU,2026-09-01,open",
      "ZETA-7,Z-1,10,USD,2026-06-01,open",
      "",
    ].join("\n"),
    "invoices",
  );
  await imported("equipment.csv", "client_ref,serial,description,status\nACME-01,ONU-1,Fiber ONU,out\nACME-01,RT-2,Router,returned\n", "equipment");
  await imported("contacts.csv", "client_ref,name,email,phone,role,language\nACME-01,Bruno Silva,bruno@acme.test,+55 (11) 91234-5678,billing,pt\nacme-01,Front desk,,,,\n", "contacts");

  // What the bot would have written: a live request for ACME, an executed one for ZETA (now inactive).
  requestNumbers = await withDb(async (db) => {
    const [acme, zeta] = await Promise.all([db.client.findUniqueOrThrow({ where: { ref: "ACME-01" } }), db.client.findUniqueOrThrow({ where: { ref: "ZETA-7" } })]);
    const common = { policySnapshot: {}, reason: "Closing", requestedOn: at("2026-08-09") };
    const zetaRequest = await db.deactivationRequest.create({
      data: {
        ...common,
        clientId: zeta.id,
        kind: "non_payment",
        state: "executed",
        requestedBy: "U0REQUESTER",
        requestedAt: at("2026-08-09T13:00:00Z"),
        executedAt: at("2026-09-01T02:59:00Z"),
        executedBy: "U0MANAGER",
      },
    });
    const acmeRequest = await db.deactivationRequest.create({
      data: { ...common, clientId: acme.id, liveClientId: acme.id, kind: "voluntary", state: "ready", requestedBy: "U0REQUESTER", requestedAt: at("2026-08-10T12:30:00Z") },
    });
    await db.client.update({
      where: { id: zeta.id },
      data: { status: "inactive", inactivatedAt: at("2026-09-01T02:59:00Z"), inactivatedBy: "U0MANAGER", inactivationReason: "three unpaid invoices" },
    });
    await db.invoice.updateMany({ where: { clientId: zeta.id }, data: { onHold: true, heldAt: at("2026-09-01T02:59:00Z"), sentToCollectionsAt: at("2026-09-01T03:00:00Z") } });
    await db.subscription.create({ data: { clientId: acme.id, plan: "Fiber 300", status: "cancelled", cancelledAt: at("2026-08-10T12:31:00Z"), cancelledBy: "U0REQUESTER" } });
    await db.subscription.create({ data: { clientId: acme.id, plan: "Static IP" } });
    await db.serviceLogin.create({ data: { clientId: acme.id, login: "acme-pppoe", createdAt: at("2026-08-10T12:35:00Z") } });
    await db.$transaction((tx) =>
      appendAudit(tx, [
        rawEvent({ at: at("2026-08-10T12:30:00Z"), actor: "U0REQUESTER", action: "request.opened", requestId: acmeRequest.id, clientId: acme.id }),
        rawEvent({ at: at("2026-08-10T12:40:00Z"), actor: "U0MANAGER", action: "request.approved", requestId: acmeRequest.id, clientId: acme.id }),
        rawEvent({ at: at("2026-08-11T09:00:00Z"), actor: "system", action: "client.note", clientId: acme.id }),
        rawEvent({ at: at("2026-09-01T02:59:00Z"), actor: "U0MANAGER", action: "request.executed", requestId: zetaRequest.id, clientId: zeta.id }),
      ]),
    );
    return { acme: acmeRequest.number, zeta: zetaRequest.number };
  });
}, 120_000);

afterAll(async () => {
  await dropDatabase();
  await rm(dir, { recursive: true, force: true });
});

const LIST_KEYS = ["ref", "name", "status", "inactivated_at", "inactivated_by", "open_request", "open_request_state"];

describe(`offboard clients list (${testDatabaseKind} database)`, () => {
  it("prints an aligned table by name, with status, who inactivated and when (policy time zone), and the open request", async () => {
    const result = await cli("clients", "list");
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout.split("\n")).toEqual([
      "ref      name             status    inactivated at           inactivated by  open request",
      `ACME-01  Acmé S.A.        active                                             #${requestNumbers.acme} ready`,
      "BETA     Beta Co          active",
      "ÑANDÚ-2  Ñandú Servicios  active",
      "ZETA-7   Zeta Libra Ltda  inactive  2026-08-31 23:59 -03:00  U0MANAGER",
      "4 clients; times in America/Montevideo",
      "",
    ]);
  });

  it("--format csv: a header row, then one row per client with ISO 8601 times", async () => {
    const result = await cli("clients", "list", "--format", "csv");
    expect(result.code).toBe(0);
    const rows = parse(result.stdout) as string[][];
    expect(rows[0]).toEqual(LIST_KEYS);
    expect(rows.slice(1)).toEqual([
      ["ACME-01", "Acmé S.A.", "active", "", "", String(requestNumbers.acme), "ready"],
      ["BETA", "Beta Co", "active", "", "", "", ""],
      ["ÑANDÚ-2", "Ñandú Servicios", "active", "", "", "", ""],
      ["ZETA-7", "Zeta Libra Ltda", "inactive", "2026-08-31T23:59:00.000-03:00", "U0MANAGER", "", ""],
    ]);
  });

  it("--format json: one JSON array whose objects all have the same keys in the same order", async () => {
    const result = await cli("clients", "list", "--format", "json");
    expect(result.code).toBe(0);
    expect(result.stdout.trimEnd().split("\n")).toHaveLength(1);
    const rows = JSON.parse(result.stdout) as Record<string, unknown>[];
    expect(rows.map((r) => Object.keys(r))).toEqual(Array(4).fill(LIST_KEYS));
    expect(rows[0]).toEqual({ ref: "ACME-01", name: "Acmé S.A.", status: "active", inactivated_at: null, inactivated_by: null, open_request: requestNumbers.acme, open_request_state: "ready" });
    expect(rows[3]).toMatchObject({ ref: "ZETA-7", status: "inactive", inactivated_at: "2026-08-31T23:59:00.000-03:00", inactivated_by: "U0MANAGER" });
  });

  it("--inactive lists only inactive clients", async () => {
    const json = await cli("clients", "list", "--inactive", "--format", "json");
    expect((JSON.parse(json.stdout) as { ref: string }[]).map((r) => r.ref)).toEqual(["ZETA-7"]);
    const table = await cli("clients", "list", "--inactive");
    expect(table.stdout).toMatch(/^ref +name +status/);
    expect(table.stdout).toMatch(/\n1 client; times in America\/Montevideo\n$/);
  });

  it("--search matches ref or name as /deactivate does, without case or accents", async () => {
    const refs = async (...args: string[]) => (JSON.parse((await cli("clients", "list", "--format", "json", ...args)).stdout) as { ref: string }[]).map((r) => r.ref);
    expect(await refs("--search", "ACMÉ")).toEqual(["ACME-01"]);
    expect(await refs("--search", "acme s a")).toEqual(["ACME-01"]);
    expect(await refs("--search", "NANDU")).toEqual(["ÑANDÚ-2"]);
    expect(await refs("--search", "ñandú-2")).toEqual(["ÑANDÚ-2"]); // the ref, written differently
    expect(await refs("--search", "zeta-7")).toEqual(["ZETA-7"]);
    expect(await refs("--search", "co")).toEqual(["BETA"]); // "Beta Co": a name containing it
    expect(await refs("--search", "libra", "--inactive")).toEqual(["ZETA-7"]);
    expect(await refs("--search", "acme", "--inactive")).toEqual([]);
    const none = await cli("clients", "list", "--search", "nobody");
    expect(none).toEqual({ code: 0, stdout: 'no clients match "nobody"\n', stderr: "" });
    const empty = await cli("clients", "list", "--search", " - ");
    expect(empty).toMatchObject({ code: 2, stderr: "offboard: --search needs at least one letter or digit\n" });
  });

  it("an unknown --format is a usage error (exit 2)", async () => {
    const result = await cli("clients", "list", "--format", "xml");
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/argument 'xml' is invalid.*Allowed choices are table, csv, json/);
  });

  it("without a readable policy file, times are UTC", async () => {
    const result = await cliIn(dir, { ...databaseEnv, OFFBOARD_POLICY: "nowhere.yml" }, ["clients", "list", "--inactive", "--format", "csv"]);
    expect((parse(result.stdout) as string[][])[1]?.[3]).toBe("2026-09-01T02:59:00.000Z");
    const table = await cliIn(dir, { ...databaseEnv, OFFBOARD_POLICY: "nowhere.yml" }, ["clients", "list", "--inactive"]);
    expect(table.stdout).toContain("2026-09-01 02:59 +00:00");
    expect(table.stdout).toMatch(/times in UTC\n$/);
  });
});

describe(`offboard contacts import (${testDatabaseKind} database)`, () => {
  it("refuses a bad file with every problem by line and column, and reads Latin-1 with --encoding latin1", async () => {
    await writeFile(join(dir, "bad-contacts.csv"), "client_ref,name,email,phone,role,language\nBETA,Carlos,,099 123 456,,\nGHOST,Nobody,,,,fr\n");
    const refused = await cli("contacts", "import", "bad-contacts.csv");
    const path = join(dir, "bad-contacts.csv");
    expect(refused).toEqual({
      code: 1,
      stdout: "",
      stderr: [
        `offboard: ${path}: nothing imported, 3 problems`,
        `${path}:2: phone: a phone number in E.164: + and the country code, then the number (e.g. +598 99 123 456); only spaces, dashes and parentheses may separate the digits`,
        `${path}:3: client_ref: no client with ref "GHOST" (import clients first)`,
        `${path}:3: language: one of en, es, pt, or empty for the policy's`,
        "",
      ].join("\n"),
    });
    await writeFile(join(dir, "latin1-contacts.csv"), Buffer.from("client_ref,name,email,phone,role,language\nÑANDÚ-2,João Ação,joao@nandu.test,+55 11 3333-4444,owner,pt\n", "latin1"));
    expect(await cli("contacts", "import", "latin1-contacts.csv", "--encoding", "latin1")).toMatchObject({ code: 0, stdout: `imported ${join(dir, "latin1-contacts.csv")}: 1 created, 0 updated\n` });
    const shown = JSON.parse((await cli("clients", "show", "nandu-2", "--format", "json")).stdout) as { contacts: unknown[] };
    expect(shown.contacts).toEqual([{ name: "João Ação", email: "joao@nandu.test", phone: "+551133334444", role: "owner", language: "pt", primary: false, active: true }]);
  });
});

describe(`offboard clients show (${testDatabaseKind} database)`, () => {
  it("shows facts, contacts, open invoices, equipment out, subscriptions, login records, requests and audit events", async () => {
    const result = await cli("clients", "show", "acme-01");
    expect(result).toMatchObject({ code: 0, stderr: "" });
    const n = requestNumbers.acme;
    expect(result.stdout).toBe(
      [
        "Acmé S.A. (ACME-01)",
        "  name                 Acmé S.A.",
        "  ref                  ACME-01",
        "  status               active",
        "  third party          no",
        "  hosted database      yes",
        "  inactivated at       —",
        "  inactivated by       —",
        "  inactivation reason  —",
        "  reactivated at       —",
        "  reactivated by       —",
        "  data deleted at      —",
        "  times in             America/Montevideo",
        "",
        "contacts (3)",
        "  name         email            phone           role     language",
        "  Ana Pérez    ana@acme.test    +59899123456                       primary",
        "  Bruno Silva  bruno@acme.test  +5511912345678  billing  pt",
        "  Front desk",
        "",
        "open invoices (2)",
        "  number  amount       due on      on hold  sent to collections",
        "  F-1     120.50 USD   2026-08-01  no       no",
        "  F-3     1500.00 UYU  2026-09-01  no       no",
        "",
        "equipment out (1)",
        "  serial  description",
        "  ONU-1   Fiber ONU",
        "",
        "subscriptions (2)",
        "  plan       status     cancelled at             cancelled by",
        "  Fiber 300  cancelled  2026-08-10 09:31 -03:00  U0REQUESTER",
        "  Static IP  active",
        "",
        "login records (1)",
        "  login       recorded at",
        "  acme-pppoe  2026-08-10 09:35 -03:00",
        "",
        "requests (1)",
        "  number  kind       state  opened                   by           executed/closed  by",
        `  ${`#${n}`.padEnd(6)}  voluntary  ready  2026-08-10 09:30 -03:00  U0REQUESTER`,
        "",
        "audit events (3)",
        "  time                     actor        action            request",
        `  2026-08-10 09:30 -03:00  U0REQUESTER  request.opened    #${n}`,
        `  2026-08-10 09:40 -03:00  U0MANAGER    request.approved  #${n}`,
        "  2026-08-11 06:00 -03:00  system       client.note",
        "",
      ].join("\n"),
    );
  });

  it("an inactive client shows who inactivated it, why, its held invoices sent to collections, and its executed request", async () => {
    const result = await cli("clients", "show", "Zeta-7");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("  status               inactive\n  third party          no\n");
    expect(result.stdout).toContain("  inactivated at       2026-08-31 23:59 -03:00\n  inactivated by       U0MANAGER\n  inactivation reason  three unpaid invoices\n");
    expect(result.stdout).toContain("  Z-1     10.00 USD  2026-06-01  yes, 2026-08-31 23:59 -03:00  2026-09-01 00:00 -03:00\n");
    expect(result.stdout).toMatch(new RegExp(`#${requestNumbers.zeta} +non_payment +executed +2026-08-09 10:00 -03:00 +U0REQUESTER +2026-08-31 23:59 -03:00 +U0MANAGER\n`));
    expect(result.stdout).toContain("equipment out (0)\n  none\n");
  });

  it("marks a phone kept from before phones were E.164, and inactive contacts", async () => {
    await withDb(async (db) => {
      const beta = await db.client.findUniqueOrThrow({ where: { ref: "BETA" } });
      await db.contact.createMany({
        data: [
          { clientId: beta.id, name: "Old Number", phone: "099 123 456", role: "owner", language: "es" },
          { clientId: beta.id, name: "Zed Left", email: "left@beta.test", active: false },
        ],
      });
    });
    const result = await cli("clients", "show", "BETA");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      [
        "contacts (3)",
        "  name        email           phone        role   language",
        "  Bob         bob@beta.test                                 primary",
        "  Old Number                  099 123 456  owner  es        phone not E.164, not used: import it again",
        "  Zed Left    left@beta.test                                inactive",
        "",
      ].join("\n"),
    );
  });

  it("matches the ref without case or accents, as imports do", async () => {
    const result = await cli("clients", "show", "nandu-2");
    expect(result.code).toBe(0);
    expect(result.stdout.split("\n")[0]).toBe("Ñandú Servicios (ÑANDÚ-2)");
    expect(result.stdout).toContain("  third party          yes\n");
  });

  it("--format json: the same as one object with stable keys", async () => {
    const result = await cli("clients", "show", "ACME-01", "--format", "json");
    expect(result.code).toBe(0);
    expect(result.stdout.trimEnd().split("\n")).toHaveLength(1);
    const shown = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(Object.keys(shown)).toEqual(["time_zone", "client", "contacts", "open_invoices", "equipment_out", "subscriptions", "login_records", "requests", "audit_events"]);
    expect(shown).toMatchObject({
      time_zone: "America/Montevideo",
      client: {
        ref: "ACME-01",
        name: "Acmé S.A.",
        status: "active",
        third_party: false,
        hosted_database: true,
        inactivated_at: null,
        inactivated_by: null,
        inactivation_reason: null,
        reactivated_at: null,
        reactivated_by: null,
        data_deleted_at: null,
      },
      contacts: [
        { name: "Ana Pérez", email: "ana@acme.test", phone: "+59899123456", role: null, language: null, primary: true, active: true },
        { name: "Bruno Silva", email: "bruno@acme.test", phone: "+5511912345678", role: "billing", language: "pt", primary: false, active: true },
        { name: "Front desk", email: null, phone: null, role: null, language: null, primary: false, active: true },
      ],
      open_invoices: [
        { number: "F-1", amount: "120.50", currency: "USD", due_on: "2026-08-01", on_hold: false, held_at: null, sent_to_collections_at: null },
        { number: "F-3", amount: "1500.00", currency: "UYU", due_on: "2026-09-01", on_hold: false, held_at: null, sent_to_collections_at: null },
      ],
      equipment_out: [{ serial: "ONU-1", description: "Fiber ONU" }],
      subscriptions: [
        { plan: "Fiber 300", status: "cancelled", cancelled_at: "2026-08-10T09:31:00.000-03:00", cancelled_by: "U0REQUESTER" },
        { plan: "Static IP", status: "active", cancelled_at: null, cancelled_by: null },
      ],
      login_records: [{ login: "acme-pppoe", recorded_at: "2026-08-10T09:35:00.000-03:00" }],
      requests: [
        {
          number: requestNumbers.acme,
          kind: "voluntary",
          state: "ready",
          requested_on: "2026-08-09",
          opened_at: "2026-08-10T09:30:00.000-03:00",
          opened_by: "U0REQUESTER",
          executed_at: null,
          executed_by: null,
          closed_at: null,
          closed_by: null,
          close_reason: null,
        },
      ],
      audit_events: [
        { at: "2026-08-10T09:30:00.000-03:00", actor: "U0REQUESTER", action: "request.opened", request_number: requestNumbers.acme },
        { at: "2026-08-10T09:40:00.000-03:00", actor: "U0MANAGER", action: "request.approved", request_number: requestNumbers.acme },
        { at: "2026-08-11T06:00:00.000-03:00", actor: "system", action: "client.note", request_number: null },
      ],
    });
  });

  it("an unknown ref is one line naming the closest refs, exit 1", async () => {
    expect(await cli("clients", "show", "acme-1")).toEqual({ code: 1, stdout: "", stderr: "offboard: no client with ref acme-1 (closest: ACME-01)\n" });
    const far = await cli("clients", "show", "qqqq");
    expect(far).toEqual({ code: 1, stdout: "", stderr: "offboard: no client with ref qqqq (closest: none, no client is named anything like it)\n" });
  });
});

describe("a database never migrated", () => {
  it("says to run `offboard migrate` instead of a Prisma error", async () => {
    const fresh = await mkdtemp(join(tmpdir(), "offboard-clients-fresh-"));
    try {
      expect(await cliIn(fresh, {}, ["clients", "list"])).toEqual({
        code: 1,
        stdout: "",
        stderr: "offboard: this database has no Offboard tables yet, or older ones: run `offboard migrate` (or start the bot once)\n",
      });
    } finally {
      await rm(fresh, { recursive: true, force: true });
    }
  });
});

describe("while the bot runs", () => {
  const fake = new FakeSlack();
  beforeAll(() => fake.start());
  afterAll(() => fake.stop());

  it("on the embedded database, says plainly that the bot holds it; after the bot stops, the look works", async () => {
    const botDir = await mkdtemp(join(tmpdir(), "offboard-clients-bot-"));
    try {
      await writeFile(join(botDir, "offboard.policy.yml"), await readFile("offboard.policy.example.yml", "utf8"));
      const bot = await BotProcess.start(botDir, { SLACK_BOT_TOKEN: "xoxb-test", SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl });
      try {
        for (const args of [["clients", "list"], ["clients", "show", "ACME-01"]]) {
          const result = await cliIn(botDir, {}, args);
          expect(result).toEqual({
            code: 1,
            stdout: "",
            stderr: `offboard: the bot is running on this embedded database (${join(botDir, "data")}): stop it, or use PostgreSQL (DATABASE_URL) to look while it runs\n`,
          });
        }
      } finally {
        await bot.stop();
      }
      expect(await cliIn(botDir, {}, ["clients", "list"])).toEqual({ code: 0, stdout: "no clients\n", stderr: "" });
    } finally {
      await rm(botDir, { recursive: true, force: true });
    }
  }, 120_000);

  const onPostgres = Boolean(testDatabaseUrl);
  (onPostgres ? it : it.skip)(
    onPostgres ? "on PostgreSQL, list and show work while a bot process runs on the same database" : "on PostgreSQL, list and show work while a bot runs (needs PostgreSQL: run `npm run test:pg`)",
    async () => {
      const database = await createPostgresDatabaseUrl();
      const botDir = await mkdtemp(join(tmpdir(), "offboard-clients-pg-"));
      const env = { DATABASE_URL: database.url };
      try {
        await writeFile(join(botDir, "offboard.policy.yml"), await readFile("offboard.policy.example.yml", "utf8"));
        const bot = await BotProcess.start(botDir, { ...env, SLACK_BOT_TOKEN: "xoxb-test", SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl });
        try {
          await writeFile(join(botDir, "clients.csv"), "ref,name,contact_name,contact_email,contact_phone,third_party,hosted_database\nPG-1,Póstgres Cliente,,,,no,no\n");
          expect(await cliIn(botDir, env, ["clients", "import", "clients.csv"])).toMatchObject({ code: 0 });
          const list = await cliIn(botDir, env, ["clients", "list", "--search", "postgres", "--format", "json"]);
          expect(list).toMatchObject({ code: 0, stderr: "" });
          expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ ref: "PG-1", name: "Póstgres Cliente", status: "active" })]);
          const show = await cliIn(botDir, env, ["clients", "show", "pg-1"]);
          expect(show).toMatchObject({ code: 0, stderr: "" });
          expect(show.stdout.split("\n")[0]).toBe("Póstgres Cliente (PG-1)");
          expect(bot.child.exitCode).toBeNull(); // the bot kept running throughout
        } finally {
          await bot.stop();
        }
      } finally {
        await rm(botDir, { recursive: true, force: true });
        await database.drop();
      }
    },
    120_000,
  );
});
