import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts"],
    // End-to-end tests start the embedded stack and child processes: generous on a busy 2-core machine.
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // The embedded stack and DuckDB are CPU-heavy; two cores run two files at a time.
    maxWorkers: 2,
  },
});
