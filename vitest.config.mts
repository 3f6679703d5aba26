import { defineConfig } from "vitest/config";

/**
 * Two projects:
 * - `unit` (`npm test`): pure, component (mocks), conformance, program and audit tests;
 * - `integration` (`npm run test:integration`): tests that start other processes at length: the
 *   program through Pulumi's cmd/run, a packed and installed consumer, the schema analyzer, git-based
 *   diffs, the whole program on fuzzed and renamed configs in child processes, the benchmark's two
 *   programs registering the same resources, fetching the depot CLI from the npm registry.
 * CI (`bash .ci/run`) runs both.
 */
const INTEGRATION = [
  "test/entrypoint/**/*.test.ts",
  "test/library/consumer.test.ts",
  "test/library/schema.test.ts",
  "test/diff/cli.test.ts",
  "test/audit/config-fuzz-program.test.ts",
  "test/audit/*.rename.test.ts",
  "test/bench/**/*.test.ts",
  "test/tools/depot-cli-fetch.test.ts",
];

export default defineConfig({
  test: {
    // One Pulumi mock stack per file: each file runs in its own process (vitest's default pool).
    pool: "forks",
    // Fetches the real depot CLI for the conformance tests once (scripts/fetch-depot-cli.ts).
    globalSetup: ["test/helpers/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    projects: [
      { extends: true, test: { name: "unit", include: ["test/**/*.test.ts"], exclude: INTEGRATION } },
      { extends: true, test: { name: "integration", include: INTEGRATION } },
    ],
  },
});
