import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    // Test files share their worker process: importing the app once per worker instead of once per
    // file took the suite from ~360 s to ~245 s on 2 cores. Tests therefore restore what they change
    // in the process (vi.stubEnv + vi.unstubAllEnvs, vi.restoreAllMocks) and close what they open.
    isolate: false,
    // Files spend most of their time waiting on child processes, servers and sockets: two at a time
    // even on 2 cores (vitest's default there is 1; two runs measured 457 s -> 324 and 341 s, no failure).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // One embedded PostgreSQL for the whole run, started when a file first asks (see the file).
    globalSetup: ["test/support/global-setup.ts"],
    // Fails a test file that leaves the environment or working folder changed for the next one.
    setupFiles: ["test/support/process-hygiene.ts"],
  },
});
