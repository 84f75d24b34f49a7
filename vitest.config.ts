import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    // Files spend most of their time waiting on child processes, servers and sockets: two at a time
    // even on 2 cores (vitest's default there is 1; two runs measured 457 s -> 324 and 341 s, no failure).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // One embedded PostgreSQL for the whole run, started when a file first asks (see the file).
    globalSetup: ["test/support/global-setup.ts"],
  },
});
