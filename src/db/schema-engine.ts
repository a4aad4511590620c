import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as bindings from "@prisma/schema-engine-wasm/schema_engine_bg";
import type { SchemaEngine } from "@prisma/schema-engine-wasm";

// TypeScript types WebAssembly only in its DOM library; these are the members used here.
interface WasmApi {
  instantiate(bytes: Uint8Array, imports: Record<string, Record<string, unknown>>): Promise<{ instance: { exports: unknown } }>;
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let loaded: Promise<typeof bindings.SchemaEngine> | undefined;

/**
 * Prisma's schema engine compiled to WASM: `migrate deploy` and `migrate diff`
 * without the native binary, which cannot be downloaded on our machines.
 *
 * The package's entry imports the .wasm as an ES module (a Node 20 flag), so
 * the module is instantiated here by hand; its timers are unref'ed so a
 * finished migration does not keep the process alive.
 */
export function loadSchemaEngine(): Promise<typeof bindings.SchemaEngine> {
  loaded ??= instantiate();
  return loaded;
}

async function instantiate(): Promise<typeof bindings.SchemaEngine> {
  // The .wasm is not in the package's exports: find it beside the bindings.
  const bindingsPath = createRequire(import.meta.url).resolve("@prisma/schema-engine-wasm/schema_engine_bg");
  const bytes = await readFile(join(dirname(bindingsPath), "schema_engine_bg.wasm"));
  const imports: Record<string, unknown> = { ...bindings };
  for (const name of Object.keys(bindings)) {
    if (name.startsWith("__wbg_setTimeout_")) {
      imports[name] = (callback: () => void, ms: number) => {
        const timer = setTimeout(callback, ms >>> 0);
        timer.unref();
        return timer;
      };
    }
  }
  const { instance } = await wasmApi.instantiate(bytes, { "./schema_engine_bg.js": imports });
  bindings.__wbg_set_wasm(instance.exports);
  (instance.exports as { __wbindgen_start(): void }).__wbindgen_start();
  return bindings.SchemaEngine;
}

export type { SchemaEngine };
