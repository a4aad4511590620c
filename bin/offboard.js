#!/usr/bin/env node
// The `offboard` command. Runs the compiled build (`npm run build`, in dist/)
// when it is there and newer than every source file; otherwise the
// TypeScript sources through tsx, so a stale build never runs by surprise.
import { existsSync, readdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));
const built = `${root}dist/cli.js`;

/** The newest modification time of the TypeScript sources under a folder. */
function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (/\.tsx?$/.test(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

let cli;
if (existsSync(built) && statSync(built).mtimeMs >= newestSource(`${root}src`)) {
  cli = await import(built);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  cli = await import("../src/cli.ts");
}

// Run by npm (`npm start`, `npx offboard`): a process manager that stops npm
// may leave this process behind (npm and its shell die without passing the
// signal on). When the parent goes, stop as on SIGTERM.
if (process.env.npm_command) {
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(watch);
    process.kill(process.pid, "SIGTERM");
  }, 500);
  watch.unref();
}

process.exitCode = await cli.runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});
