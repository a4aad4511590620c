import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type RunningSandbox } from "../../src/sandbox/index.ts";
import type { PageAnswer, SandboxState } from "../../src/sandbox/protocol.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

describe("offboard sandbox: the workspace comes from the policy, on its own database", () => {
  let dir: string;
  let sandbox: RunningSandbox | undefined;
  const lines: string[] = [];
  // DATABASE_URL names a server that does not exist: the sandbox must not even try it.
  const env = { DATABASE_URL: "postgres://nobody@127.0.0.1:9/nothing", LOG_LEVEL: "error" };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "offboard-sandbox-start-"));
    const example = await readFile(join(ROOT, "offboard.policy.example.yml"), "utf8");
    await writeFile(join(dir, "offboard.policy.yml"), example.replace("# usergroup: S0MANAGERS1", "usergroup: S0MANAGERS1"));
  });
  afterAll(async () => {
    await sandbox?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const start = async (reset = false) => {
    sandbox = await startSandbox({ cwd: dir, port: 0, env, log: (line) => lines.push(line), ...(reset ? { reset } : {}) });
    return sandbox;
  };
  const act = async (body: unknown): Promise<PageAnswer> => (await (await fetch(`${sandbox!.url}sandbox/act`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })).json()) as PageAnswer;

  it("uses ./offboard.policy.yml: its channels, its approvers and user-group members, three staff and a stranger", async () => {
    await start();
    expect(sandbox!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const state = (await (await fetch(`${sandbox!.url}sandbox/state`)).json()) as SandboxState;
    expect(state.channels.filter((c) => !c.dmWith).map((c) => c.id)).toEqual(["C0REQUESTS1", "C0MANAGERS1"]);
    expect(state.users.map((u) => `${u.id}:${u.role}:${u.locale}`)).toEqual(
      expect.arrayContaining(["U0MANAGER01:approver:es-ES", "U0MANAGER02:approver:es-ES", "U0GROUPMGR1:approver:es-ES", "U0STAFFANA:staff:es-ES", "U0STAFFBRUNO:staff:pt-BR", "U0STAFFCHRIS:staff:en-US", "U0STRANGER:stranger:en-US"]),
    );
    expect(state.usergroups).toEqual([{ id: "S0MANAGERS1", handle: "managers", users: ["U0GROUPMGR1", "U0GROUPMGR2"] }]);
    expect(lines).toContain("sandbox: loaded 12 demo clients (start again with --reset to begin from scratch)");
    expect(await sandbox!.bot.database.prisma.client.count()).toBe(12);
  }, 120_000);

  it("moves the clock forward only, and refuses what the page should never send", async () => {
    const before = sandbox!.bot.clock.now();
    expect(await act({ type: "clock", advance: "1d" })).toEqual({ ok: true });
    expect(sandbox!.bot.clock.now().getTime() - before.getTime()).toBeGreaterThanOrEqual(86_400_000);
    expect(await act({ type: "clock", to: "2020-01-01" })).toEqual({ ok: false, error: "the clock only moves forward" });
    expect(await act({ type: "clock", to: "2031-02-30" })).toEqual({ ok: false, error: "not a date: 2031-02-30" });
    expect(await act({ type: "command", user: "U0STAFFANA", channel: "C0REQUESTS1", command: "/rm", text: "-rf" })).toMatchObject({ ok: false, error: expect.stringMatching(/^not a sandbox request: command/) });
    expect(await act({ type: "command", user: "U0NOBODY", channel: "C0REQUESTS1", command: "/deactivate", text: "acme" })).toEqual({ ok: false, error: "nobody in this workspace is U0NOBODY" });
    // Another site cannot drive it: a form post (no CORS preflight) and a rebound host name are refused.
    const form = await fetch(`${sandbox!.url}sandbox/act`, { method: "POST", headers: { "content-type": "text/plain" }, body: JSON.stringify({ type: "clock", advance: "1d" }) });
    expect(form.status).toBe(415);
    const port = new URL(sandbox!.url).port;
    const rebound = await new Promise<number>((done, fail) => {
      const req = request({ host: "127.0.0.1", port, path: "/sandbox/state", headers: { host: `evil.example:${port}` } }, (res) => done(res.statusCode ?? 0));
      req.on("error", fail);
      req.end();
    });
    expect(rebound).toBe(421);
  });

  it("keeps its data across starts, and --reset starts from scratch", async () => {
    await sandbox!.stop();
    lines.length = 0;
    await start();
    expect(lines.some((l) => l.includes("demo clients"))).toBe(false);
    await sandbox!.stop();
    await start(true);
    expect(lines).toContain("sandbox: loaded 12 demo clients (start again with --reset to begin from scratch)");
  }, 120_000);
});
