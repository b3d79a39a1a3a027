import { defineConfig } from "vitest/config";

// Two projects: `unit` (each package's own tests, mirroring its src) and `e2e` (the embedded
// stack and the CLI end to end). `npm test` runs both; `npm run test:unit` / `test:e2e` one.
export default defineConfig({
  test: {
    // End-to-end tests start the embedded stack and child processes: generous on a busy 2-core machine.
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // The embedded stack and DuckDB are CPU-heavy; two cores run two files at a time.
    maxWorkers: 2,
    coverage: { provider: "v8", include: ["packages/*/src/**", "stacks/src/**"], reporter: ["text-summary", "html"] },
    projects: [
      { extends: true, test: { name: "unit", include: ["packages/*/test/**/*.test.ts", "stacks/test/**/*.test.ts"] } },
      // Every embedded stack of the e2e run saves its AWS calls; the global teardown checks them against IAM.
      {
        extends: true,
        test: { name: "e2e", include: ["test/e2e/**/*.test.ts"], globalSetup: ["test/e2e/iam.global.ts"] },
      },
    ],
  },
});
