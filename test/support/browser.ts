import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { chromium, type Browser, type Page } from "playwright-core";

/** Debian's Chromium; `.ci/run` installs it when missing. */
export const CHROMIUM = process.env.OFFBOARD_CHROMIUM ?? "/usr/bin/chromium";
export const hasChromium = existsSync(CHROMIUM);
/** Where browser tests leave their screenshots (not tracked by git). */
export const ARTIFACTS = new URL("../../test-artifacts/", import.meta.url).pathname;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"],
  });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  const path = `${ARTIFACTS}${name}.png`;
  await page.screenshot({ path });
  return path;
}

/** A process started the way a person starts it (`npm start`), with the line it prints when ready. */
export class StartedProcess {
  output = "";
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcess) {
    child.stdout!.on("data", (d: Buffer) => (this.output += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (this.output += d.toString()));
    // "close": the process ended and so did every process writing to its output (npm start's child).
    this.exited = new Promise((done) => child.on("close", (code) => done(code)));
  }

  static spawn(command: string, args: string[], options: { cwd: string; env: Record<string, string | undefined> }): StartedProcess {
    // Its own process group, so the test can stop npm and everything it started.
    return new StartedProcess(spawn(command, args, { cwd: options.cwd, env: options.env as NodeJS.ProcessEnv, detached: true }));
  }

  /** Waits for a line matching `pattern` and returns its match. */
  async waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const match = pattern.exec(this.output);
      if (match) return match;
      if (this.child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no line matching ${pattern} (exit ${this.child.exitCode}):\n${this.output}`);
  }

  /** Ends the whole process group. */
  async kill(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    try {
      process.kill(-this.child.pid!, signal);
    } catch {
      return;
    }
    await this.exited;
  }
}
