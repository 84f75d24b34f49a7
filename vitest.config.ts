import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    // One embedded PostgreSQL for the whole run, started when a file first asks (see the file).
    globalSetup: ["test/support/global-setup.ts"],
  },
});
