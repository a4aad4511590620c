import { defineConfig } from "vitest/config";

export default defineConfig({
  // The sandbox page's .tsx files are Preact (as tsconfig.web.json says); without this Vite assumes React.
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  test: {
    include: ["test/**/*.test.ts"],
    // Each file gets its own database; PGlite's cold start dominates, not the tests.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    globalSetup: ["test/support/global-setup.ts"],
    // Browser tests poll what the page shows; a busy machine may take seconds.
    expect: { poll: { timeout: 10_000 } },
  },
});
