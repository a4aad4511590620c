import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli.ts";
import { createPostgresDatabaseUrl, testDatabaseKind } from "../support/db.ts";
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
    expect(unreachable.stderr).toMatch(/^offboard: cannot start: Slack at http:\/\/127\.0\.0\.1:9\/api\/ did not accept the bot token/);
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
    for (let i = 0; i < 300 && !output.includes("listening on port"); i++) await new Promise((r) => setTimeout(r, 100));
    expect(output).toContain(`Offboard is listening on port ${port} (POST /slack/events)`);
    if (testDatabaseKind === "embedded") expect(existsSync(join(dir, "data", "offboard.lock"))).toBe(true);

    const body = new URLSearchParams({ command: "/deactivate", text: "help", user_id: "U0SOMEONE", channel_id: "C1", trigger_id: "t1", response_url: fake.responseUrl("start-test") }).toString();
    const response = await fetch(`http://127.0.0.1:${port}/slack/events`, { method: "POST", headers: slackHeaders(body, { secret: SECRET }), body });
    expect(response.status).toBe(200);
    for (let i = 0; i < 100 && fake.responses.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(fake.responses[0]?.body.text).toMatch(/\/deactivate CLIENT\* opens a deactivation request/);
    expect(fake.called("auth.test")).toHaveLength(1);

    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(output).toMatch(/SIGTERM: finishing work in progress, then stopping\nstopped/);
    if (testDatabaseKind === "embedded") expect(existsSync(join(dir, "data", "offboard.lock"))).toBe(false);
  });
});
