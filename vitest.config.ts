import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The embedded stack and DuckDB are CPU-heavy; two cores run two files at a time.
    maxWorkers: 2,
  },
});
