import { defineConfig } from "vitest/config";

/**
 * The tests Stryker runs against each mutant (npm run mutation): the pure
 * domain's unit tests only. No global setup: they need no database.
 */
export default defineConfig({
  test: {
    include: ["test/domain/**/*.test.ts"],
  },
});
