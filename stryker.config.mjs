// @ts-check
/**
 * Mutation testing of the pure domain (npm run mutation; not run in CI).
 * Everything Stryker writes stays under .cache/stryker/ (git-ignored).
 * @type {import("@stryker-mutator/api/core").PartialStrykerOptions}
 */
export default {
  testRunner: "vitest",
  vitest: { configFile: "vitest.mutation.config.ts" },
  mutate: ["src/domain/**/*.ts"],
  // Stryker's tsconfig rewriter crashes on TypeScript 7 (no JS API); a file that does not exist skips it.
  // Our tsconfig has no `extends` or `references`, so there is nothing to rewrite anyway.
  tsconfigFile: "stryker-skips-the-tsconfig-rewriter.json",
  // Reruns test only mutants whose code or covering tests changed. Static mutants (module-level
  // constants and regexes) have no covering tests, so new tests do not re-test them: `-- --force`.
  incremental: true,
  incrementalFile: ".cache/stryker/incremental.json",
  tempDirName: ".cache/stryker/tmp",
  // The sandbox gets only what the domain tests load (node_modules is linked, not copied).
  ignorePatterns: ["/*", "!/src", "!/test", "!/package.json", "!/tsconfig.json", "!/vitest.mutation.config.ts", "/src/generated"],
  reporters: ["clear-text", "progress", "html", "json"],
  htmlReporter: { fileName: ".cache/stryker/report/mutation.html" },
  jsonReporter: { fileName: ".cache/stryker/report/mutation.json" },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  // The machine is shared: two workers.
  concurrency: 2,
  thresholds: { high: 90, low: 80, break: null },
};
