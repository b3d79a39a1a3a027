import {
  addUsage,
  athenaQueryUsage,
  costOf,
  lambdaInvocationUsage,
  monthlyEstimate,
  runCost,
} from "@medallion/core/cost";
import { describe, expect, it } from "vitest";

describe("costOf", () => {
  it("bills Athena $5 per TB, each query at least 10 MB and rounded up to a megabyte", () => {
    // Prepare
    const small = athenaQueryUsage(1_000, 50);
    const large = athenaQueryUsage(2 ** 40 - 5, 50);

    // Act / Assess
    expect(small.athena_billed_bytes).toBe(10 * 2 ** 20);
    expect(costOf(small).athena).toBeCloseTo((10 * 2 ** 20 * 5) / 2 ** 40, 12);
    expect(large.athena_billed_bytes).toBe(2 ** 40);
    expect(costOf(large).athena).toBe(5);
  });

  it("bills Lambda by billed milliseconds × memory, and per request", () => {
    // Act
    const cost = costOf(lambdaInvocationUsage(999.2, 2048));

    // Assess: 1,000 ms at 2 GB is 2 GB-s.
    expect(cost.lambda).toBeCloseTo(2 * 0.0000166667 + 0.2 / 1e6, 12);
  });

  it("prices transitions and requests, and totals every service", () => {
    const cost = costOf({ state_transitions: 1000, s3_writes: 1000, s3_reads: 1000, dynamodb_writes: 1e6 });
    expect(cost).toMatchObject({ stepFunctions: 0.025, dynamodb: 0.625 });
    expect(cost.s3).toBeCloseTo(0.0054, 12);
    expect(cost.total).toBeCloseTo(0.025 + 0.0054 + 0.625, 12);
  });
});

describe("runCost", () => {
  it("is the sum of its steps' costs, and adds their usage", () => {
    // Prepare
    const steps = [
      { usage: athenaQueryUsage(30 * 2 ** 20, 10) },
      {},
      { usage: addUsage(lambdaInvocationUsage(120, 1024), { state_transitions: 17 }) },
    ];

    // Act
    const run = runCost(steps);

    // Assess
    expect(run.total).toBeCloseTo(costOf(steps[0]!.usage!).total + costOf(steps[2]!.usage!).total, 15);
    expect(run.usage).toMatchObject({ athena_queries: 1, lambda_invocations: 1, state_transitions: 17 });
  });
});

describe("monthlyEstimate", () => {
  it("prices the Glue job at $53.70 for 3,000 files and ~20 GB a month", () => {
    // Act: 100 files a day of 6.83 MB is 3,000 files and 20 GB a month.
    const estimate = monthlyEstimate({
      filesPerDay: 100,
      mbPerFile: (20 * 1024) / 3000,
      measured: { runs: 1, files: 10, bytes: 10 * 2 ** 20, usage: athenaQueryUsage(5 * 2 ** 20, 100) },
    });

    // Assess
    expect(estimate.filesPerMonth).toBe(3000);
    expect(estimate.glueMonthlyUsd).toBeCloseTo(53.7, 6);
    // Half of what was measured is scanned: 10 GB of the month's 20, over 750 runs' 10 MB minimums (7.3 GB).
    expect(estimate.runsPerMonth).toBe(750);
    expect(estimate.monthly.athena).toBeCloseTo((10 * 2 ** 30 * 5) / 2 ** 40, 9);
  });
});
