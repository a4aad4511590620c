import { spawn } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli.ts";
import { loadEnv } from "../../src/config/env.ts";
import { startBot } from "../../src/main.ts";
import { createPostgresDatabaseUrl, testDatabaseKind, testDatabaseUrl } from "../support/db.ts";
import { FakeSlack } from "../support/fake-slack.ts";
import { freePort } from "../support/bot-process.ts";
import { slackHeaders } from "../support/slack-bot.ts";

const BIN = new URL("../../bin/offboard.js", import.meta.url).pathname;
const SECRET = "0123456789abcdef0123456789abcdef";
let dir: string;
const fake = new FakeSlack();
let databaseEnv: Record<string, string> = {};
let dropDatabase = async () => {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "offboard-start-"));
  await writeFile(join(dir, "offboard.policy.yml"), await readFile("offboard.policy.example.yml", "utf8"));
  await fake.start();
  if (testDatabaseKind === "postgres") {
    const database = await createPostgresDatabaseUrl();
    databaseEnv = { DATABASE_URL: database.url };
    dropDatabase = database.drop;
  }
});
afterAll(async () => {
  await fake.stop();
  await dropDatabase();
  await rm(dir, { recursive: true, force: true });
});


async function cli(env: Record<string, string>, ...args: string[]) {
  let stderr = "";
  const code = await runCli(args, { stdout: { write: () => true }, stderr: { write: (s: string) => (stderr += s) }, env, cwd: dir });
  return { code, stderr };
}

describe("offboard start", () => {
  it("/readyz says 'not ready' (503, nothing more) once the scheduler stops; the keep-alive is configurable", async () => {
    const env = loadEnv({ ...databaseEnv, SLACK_BOT_TOKEN: "xoxb-test", SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl, OFFBOARD_POLICY: "offboard.policy.yml", HTTP_KEEP_ALIVE_TIMEOUT: "90", LOG_LEVEL: "error" });
    if (!env.ok) throw new Error(env.problems.join("; "));
    const bot = await startBot(env.env, dir, () => {}, {}, { port: 0, host: "127.0.0.1", ...(testDatabaseKind === "embedded" ? { database: { kind: "embedded" as const } } : {}) });
    try {
      const base = `http://127.0.0.1:${(bot.server!.address() as { port: number }).port}`;
      const ready = await fetch(`${base}/readyz`);
      expect([ready.status, await ready.text(), ready.headers.get("keep-alive")]).toEqual([200, "ready\n", "timeout=90"]);
      await bot.scheduler.stop();
      const notReady = await fetch(`${base}/readyz`);
      expect([notReady.status, await notReady.text()]).toEqual([503, "not ready\n"]);
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
    } finally {
      await bot.stop();
      fake.clear(); // later tests count Slack calls
    }
    expect(loadEnv({ HTTP_KEEP_ALIVE_TIMEOUT: "soon" })).toEqual({ ok: false, problems: ["HTTP_KEEP_ALIVE_TIMEOUT: a number of seconds, such as 65"] });
  }, 120_000);

  it("in production, refuses to start without credentials, saying what is missing and where to find it (exit 2), instead of the sandbox", async () => {
    const result = await cli({ NODE_ENV: "production" }, "start");
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^offboard: cannot start: missing settings:\n {2}SLACK_BOT_TOKEN: .*OAuth & Permissions\n {2}SLACK_SIGNING_SECRET: .*Basic Information/);
    const sandbox = await cli({ NODE_ENV: "production" }, "sandbox");
    expect(sandbox.code).toBe(2);
    expect(sandbox.stderr).toMatch(/the sandbox does not run with NODE_ENV=production/);
  });

  it("with some but not all Slack settings, says what is missing (exit 2) rather than starting the sandbox", async () => {
    const result = await cli({ SLACK_SIGNING_SECRET: SECRET }, "start");
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^offboard: cannot start: missing setting:\n {2}SLACK_BOT_TOKEN: /);
  });

  it("says at once when Slack cannot be reached or refuses the token (exit 2), instead of retrying for half an hour", async () => {
    const unreachable = await cli({ SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: "http://127.0.0.1:9/api/" }, "start");
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toMatch(/^offboard: cannot start: Slack could not be reached at http:\/\/127\.0\.0\.1:9\/api\/ \(bad port\): check the network, a proxy, or SLACK_API_URL\n$/);

    // A Slack that answers, refusing the token: that is a different problem with a different fix.
    const refusing = createServer((_req, res) => res.end(JSON.stringify({ ok: false, error: "invalid_auth" })));
    await new Promise<void>((done) => refusing.listen(0, "127.0.0.1", done));
    const api = `http://127.0.0.1:${(refusing.address() as AddressInfo).port}/api/`;
    const refused = await cli({ SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: api }, "start");
    refusing.close();
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(`offboard: cannot start: Slack at ${api} refused the bot token (invalid_auth): copy the Bot User OAuth Token (xoxb-…) again from api.slack.com/apps > your app > OAuth & Permissions\n`);
  });

  it("says in one plain line why the database cannot be used, with no Prisma text", async () => {
    const unreachable = await cli({ DATABASE_URL: "postgres://postgres@127.0.0.1:9/offboard" }, "migrate");
    expect([unreachable.code, unreachable.stderr]).toEqual([1, "offboard: PostgreSQL could not be reached at 127.0.0.1:9 (DATABASE_URL): is the server running and the address right?\n"]);
  });

  it.skipIf(!testDatabaseUrl)("names the missing database and the refused user (needs PostgreSQL: run `npm run test:pg`)", async () => {
    const server = new URL(testDatabaseUrl!);
    const at = `${server.hostname}:${server.port || "5432"}`;
    const missing = new URL(server);
    missing.pathname = "/offboard_missing_db";
    const noDatabase = await cli({ DATABASE_URL: missing.toString() }, "migrate");
    expect(noDatabase.code).toBe(1);
    expect(noDatabase.stderr).toBe(`offboard: the database "offboard_missing_db" does not exist on ${at}: create it first (createdb -h ${server.hostname} -p ${server.port || "5432"} "offboard_missing_db", or CREATE DATABASE "offboard_missing_db"), then start again\n`);
    const stranger = new URL(server);
    stranger.username = "offboard_nobody";
    const refused = await cli({ DATABASE_URL: stranger.toString() }, "migrate");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`^offboard: PostgreSQL at ${at.replace(/\./g, "\\.")} refused user "offboard_nobody" \\(.*\\): check the user and password in DATABASE_URL\n$`));
    expect(noDatabase.stderr + refused.stderr).not.toMatch(/prisma|invocation|P20/i);
  });

  it("a policy using the HTTP connector without its shared secret in the environment refuses to start (exit 2), naming the variable", async () => {
    const policy = (await readFile(join(dir, "offboard.policy.yml"), "utf8")) + "\nsystem_of_record:\n  type: http\n  base_url: https://billing.example.com/offboard/\n  secret_env: BILLING_SECRET\n  timeout: 5s\n";
    await writeFile(join(dir, "http.yml"), policy);
    const result = await cli({ SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl, OFFBOARD_POLICY: "http.yml" }, "start");
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/cannot start: the policy's system_of_record needs its shared secret in BILLING_SECRET \(at least 16 characters\)/);
    fake.clear(); // the next test counts Slack calls
  });

  it("a missing policy file is said to be missing, with what to copy, not 'invalid' (exit 1)", async () => {
    const result = await cli({ SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: SECRET, OFFBOARD_POLICY: "missing.yml" }, "start");
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^offboard: cannot start: the policy file was not found at .*missing\.yml \(copy offboard\.policy\.example\.yml to offboard\.policy\.yml/);
    expect(result.stderr).not.toMatch(/invalid/);
  });

  it("refuses an invalid policy file (exit 1), listing its problems", async () => {
    await writeFile(join(dir, "broken.yml"), "version: 2\n");
    const result = await cli({ SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: SECRET, OFFBOARD_POLICY: "broken.yml" }, "start");
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot start: the policy file is invalid\n.*broken\.yml:1: version: the only policy version is 1/);
  });

  it("runs the bot over HTTP, answers signed requests, and stops cleanly on SIGTERM", async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [BIN, "start"], {
      cwd: dir,
      env: { PATH: process.env.PATH, ...databaseEnv, SLACK_BOT_TOKEN: "xoxb-test", SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl, PORT: String(port) },
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
    for (let i = 0; i < 900 && !output.includes("listening on port"); i++) await new Promise((r) => setTimeout(r, 100));
    expect(output).toContain(`Offboard is listening on port ${port} (POST /slack/events)`);
    if (testDatabaseKind === "embedded") expect(existsSync(join(dir, "data", "offboard.lock"))).toBe(true);

    const body = new URLSearchParams({ command: "/deactivate", text: "help", user_id: "U0SOMEONE", channel_id: "C1", trigger_id: "t1", response_url: fake.responseUrl("start-test") }).toString();
    const response = await fetch(`http://127.0.0.1:${port}/slack/events`, { method: "POST", headers: slackHeaders(body, { secret: SECRET }), body });
    expect(response.status).toBe(200);
    for (let i = 0; i < 100 && fake.responses.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(fake.responses[0]?.body.text).toMatch(/\/deactivate CLIENT\* opens a deactivation request/);
    expect(fake.called("auth.test")).toHaveLength(1);

    // For orchestrators and load balancers: up, ready, and idle connections kept longer than a balancer's 60 s.
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect([health.status, await health.text(), health.headers.get("keep-alive")]).toEqual([200, "ok\n", "timeout=65"]);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect([ready.status, await ready.text()]).toEqual([200, "ready\n"]);

    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(output).toMatch(/SIGTERM: finishing work in progress, then stopping\nstopped/);
    if (testDatabaseKind === "embedded") expect(existsSync(join(dir, "data", "offboard.lock"))).toBe(false);
  }, 120_000);
});
