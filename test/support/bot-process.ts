import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";

export const BIN = new URL("../../bin/offboard.js", import.meta.url).pathname;

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/** `offboard start` as a real process, as an admin runs it (one of several behind a load balancer). */
export class BotProcess {
  output = "";
  readonly exited: Promise<number | null>;

  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
  ) {
    child.stdout!.on("data", (d: Buffer) => (this.output += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (this.output += d.toString()));
    this.exited = new Promise((done) => child.on("exit", (code) => done(code)));
  }

  /** `args`: node's arguments, `offboard start` unless another program (a baseline app) is run the same way. */
  static async start(cwd: string, env: Record<string, string>, args: string[] = [BIN, "start"]): Promise<BotProcess> {
    const port = await freePort();
    const child = spawn(process.execPath, args, { cwd, env: { PATH: process.env.PATH, ...env, PORT: String(port) } });
    const bot = new BotProcess(child, `http://127.0.0.1:${port}/slack/events`);
    for (let i = 0; i < 600 && !bot.output.includes("listening on port"); i++) {
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    if (!bot.output.includes("listening on port")) {
      child.kill("SIGKILL");
      throw new Error(`${args.join(" ")} did not start:\n${bot.output}`);
    }
    return bot;
  }

  /** SIGKILL: no drain, no cleanup, as when a machine dies. */
  async kill(): Promise<void> {
    this.child.kill("SIGKILL");
    await this.exited;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill("SIGTERM");
    await this.exited;
  }
}

/** Polls until the condition holds (work done by another process is not awaited otherwise). */
export async function eventually(condition: () => Promise<boolean> | boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}
