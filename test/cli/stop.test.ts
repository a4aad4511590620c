import { execFileSync, execSync } from "node:child_process";
import { copyFile, cp, mkdir, mkdtemp, readdir, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresDatabaseUrl, testDatabaseKind } from "../support/db.ts";
import { freePort } from "../support/bot-process.ts";
import { StartedProcess } from "../support/browser.ts";
import { FakeSlack } from "../support/fake-slack.ts";

const ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
const SECRET = "0123456789abcdef0123456789abcdef";

/**
 * However the README says to run it (`npm start`, `npx offboard start`, or
 * node on the compiled build), SIGTERM or SIGINT to that one process stops
 * the bot gracefully and leaves no process behind, as a process manager needs.
 */
describe("the bot stops cleanly however it is run", () => {
  const fake = new FakeSlack();
  let dir: string;
  let compiled: string;
  let databaseEnv: Record<string, string> = {};
  let drop = async () => {};

  beforeAll(async () => {
    await fake.start();
    dir = await mkdtemp(join(tmpdir(), "offboard-stop-"));
    if (testDatabaseKind === "postgres") {
      const database = await createPostgresDatabaseUrl();
      databaseEnv = { DATABASE_URL: database.url };
      drop = database.drop;
    }
    // The compiled build in a copy of the project whose node_modules has no tsx: it must run without it.
    compiled = join(dir, "compiled");
    await mkdir(join(compiled, "bin"), { recursive: true });
    // A copy of the sources, taken before the build: other tests may regenerate files in the real src/
    // (npx links the project and runs its postinstall), which would make the build look stale.
    await cp(join(ROOT, "src"), join(compiled, "src"), { recursive: true });
    execFileSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", join(ROOT, "tsconfig.build.json"), "--outDir", join(compiled, "dist")], { cwd: ROOT, stdio: "pipe" });
    await copyFile(join(ROOT, "bin/offboard.js"), join(compiled, "bin/offboard.js"));
    await copyFile(join(ROOT, "package.json"), join(compiled, "package.json"));
    await copyFile(join(ROOT, "offboard.policy.example.yml"), join(compiled, "offboard.policy.example.yml"));
    await symlink(join(ROOT, "prisma"), join(compiled, "prisma"));
    await mkdir(join(compiled, "node_modules"));
    for (const name of await readdir(join(ROOT, "node_modules"))) {
      if (name !== "tsx" && name !== ".bin") await symlink(join(ROOT, "node_modules", name), join(compiled, "node_modules", name));
    }
  }, 120_000);

  afterAll(async () => {
    await fake.stop();
    await drop();
    await rm(dir, { recursive: true, force: true });
  });

  async function runUntilListening(command: string, args: string[], cwd: string, name: string) {
    const port = await freePort();
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...databaseEnv,
      SLACK_BOT_TOKEN: "xoxb-test",
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: fake.apiUrl,
      PORT: String(port),
      OFFBOARD_POLICY: join(ROOT, "offboard.policy.example.yml"),
      OFFBOARD_DATA_DIR: join(dir, `data-${name}`),
    };
    const started = Date.now();
    const bot = StartedProcess.spawn(command, args, { cwd, env });
    await bot.waitFor(/Offboard is listening on port \d+/);
    const ms = Date.now() - started;
    const pids = execSync(`ps -o pid= -g ${bot.child.pid}`).toString().trim().split(/\s+/);
    const rss = pids.map((pid) => Number(execSync(`ps -o rss= -p ${pid} || echo 0`).toString().trim() || 0)).reduce((a, b) => Math.max(a, b), 0);
    console.log(`${name}: listening after ${ms} ms; largest process ${Math.round(rss / 1024)} MB resident`);
    return bot;
  }

  async function expectStopped(bot: StartedProcess, signal: "SIGTERM" | "SIGINT") {
    // The signal goes to the one process a manager knows about, not to its group.
    bot.child.kill(signal);
    await bot.exited;
    expect(bot.output).toContain(`${signal}: finishing work in progress, then stopping`);
    expect(bot.output.trimEnd().endsWith("stopped")).toBe(true);
    await expect.poll(() => execSync(`ps -o pid=,cmd= -g ${bot.child.pid} || true`).toString().trim(), { timeout: 10_000 }).toBe("");
  }

  it.each([
    ["npm start", "SIGTERM", "npm", ["start"]],
    ["npm start", "SIGINT", "npm", ["start"]],
    ["npx offboard start", "SIGTERM", "npx", ["offboard", "start"]],
  ] as const)("%s, then %s to that process", async (name, signal, command, args) => {
    const bot = await runUntilListening(command, [...args], ROOT, `${name} ${signal}`.replace(/\W+/g, "-"));
    await expectStopped(bot, signal);
  }, 120_000);

  it("node bin/offboard.js start runs the compiled build, without tsx, then SIGTERM", async () => {
    const bot = await runUntilListening(process.execPath, [join(compiled, "bin/offboard.js"), "start"], compiled, "compiled");
    await expectStopped(bot, "SIGTERM");
  }, 120_000);
});
