import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // One Pulumi mock stack per file: each file runs in its own process (vitest's default pool).
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
