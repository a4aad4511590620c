import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

export interface PageAssets {
  html: string;
  script: string;
  style: string;
}

/** The page's sources: beside this file when run from src/, in src/ when run from compiled output. */
function webDir(): string {
  const candidates = [new URL("./web/", import.meta.url), new URL("../../src/sandbox/web/", import.meta.url)].map((u) => fileURLToPath(u));
  const found = candidates.find((dir) => existsSync(`${dir}main.tsx`));
  if (!found) throw new Error(`the sandbox page's sources are missing (looked in ${candidates.join(", ")})`);
  return found;
}

/**
 * Bundles the page (Preact, the Block Kit renderer) in memory with esbuild, once
 * per start: nothing to build by hand, nothing written to disk.
 */
export async function buildPage(): Promise<PageAssets> {
  const dir = webDir();
  const bundle = await build({
    entryPoints: [`${dir}main.tsx`],
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    target: "es2022",
    jsx: "automatic",
    jsxImportSource: "preact",
    minify: true,
    legalComments: "none",
    logLevel: "silent",
  });
  const script = bundle.outputFiles[0]?.text ?? "";
  const style = (await Promise.all(["page.css", "blocks.css"].map((f) => readFile(`${dir}${f}`, "utf8").catch(() => "")))).join("\n");
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Offboard sandbox</title>
<link rel="stylesheet" href="/app.css">
</head>
<body>
<div id="app"></div>
<script type="module" src="/app.js"></script>
</body>
</html>
`;
  return { html, script, style };
}
