import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Usage } from "@medallion/core/cost";
import { awsPrices, costOf, runCost } from "@medallion/core/cost";
import { medallion } from "@medallion/testing/cli";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

interface ShownStep {
  step: string;
  message: string | null;
  costUsd: number | null;
  usage: Record<string, number> | null;
  details: Record<string, unknown> | null;
}

// `medallion journeys` shows usage in camelCase; core's usage fields are snake_case.
const snakeUsage = (usage: Record<string, number> | null): Usage | undefined =>
  usage
    ? Object.fromEntries(
        Object.entries(usage).map(([field, value]) => [field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), value]),
      )
    : undefined;

// A sample run on the embedded stack records its usage as a deployed run does: Athena's in the
// steps that ran the queries (from the statistics the Athena states keep), the rest in the run's usage step.
describe("what a run cost", () => {
  let root: string;
  let steps: ShownStep[];
  let cost: { total: number };
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "medallion-cost-"));
    const dataDir = join(root, ".medallion");
    const run = await medallion(["run", "--sample", "--json", "--data-dir", dataDir]);
    expect(run.code, run.stderr).toBe(0);
    const shown = JSON.parse((await medallion(["journeys", "--json", "--limit", "1", "--data-dir", dataDir])).stdout)
      .journeys[0];
    steps = shown.steps;
    cost = shown.cost;
  }, 120_000);
  afterAll(() => rm(root, { recursive: true, force: true }));

  it("records the Athena queries' statistics in the silver and gold steps that ran them", () => {
    // Assess: DuckDB's bytes read stand in for DataScannedInBytes, billed at Athena's 10 MB minimum.
    const silver = snakeUsage(steps.find((step) => step.step === "silver_consolidation")!.usage);
    expect(silver?.athena_queries).toBeGreaterThan(0);
    expect(silver?.athena_bytes_scanned).toBeGreaterThan(0);
    expect(silver?.athena_billed_bytes).toBeGreaterThanOrEqual(
      silver!.athena_queries! * awsPrices.athena.minimumBytesPerQuery,
    );
    const gold = steps.filter((step) => step.step === "gold" && step.usage);
    expect(gold.length).toBeGreaterThan(0);
    for (const step of gold) expect(snakeUsage(step.usage)?.athena_queries).toBeGreaterThan(0);
    // The run's own usage steps carry no Athena usage: each query is counted once, where it ran.
    for (const step of steps.filter((step) => step.step === "run_usage"))
      expect(snakeUsage(step.usage)?.athena_queries ?? 0).toBe(0);
  });

  it("records the transitions and invocations from the execution's history, as the ending state does on AWS", () => {
    // Assess: CompleteJourney read the history (the local stand-in of GetExecutionHistory) and
    // recorded it, its own invocation included; the embedded stack added the requests it counted.
    const [history, requests, ...more] = steps.filter((step) => step.step === "run_usage");
    expect(more).toEqual([]);
    const fromHistory = snakeUsage(history!.usage);
    expect(fromHistory?.state_transitions).toBeGreaterThan(0);
    expect(fromHistory?.lambda_gb_seconds).toBeGreaterThan(0);
    const functions = history!.details?.functions as { function: string; invocations: number }[];
    expect(functions.find((f) => f.function === "CompleteJourney")?.invocations).toBe(1);
    expect(functions.reduce((sum, f) => sum + f.invocations, 0)).toBe(fromHistory?.lambda_invocations);
    expect(requests!.message).toMatch(/\(requests\)$/);
    expect(snakeUsage(requests!.usage)?.s3_writes).toBeGreaterThan(0);
    expect(snakeUsage(requests!.usage)?.state_transitions ?? 0).toBe(0);
  });

  it("is the sum of its steps' costs at the prices file's prices", () => {
    // Assess
    const sum = steps.reduce((total, step) => total + (step.costUsd ?? 0), 0);
    expect(cost.total).toBeGreaterThan(0);
    expect(cost.total).toBeCloseTo(sum, 12);
    for (const step of steps)
      if (step.usage) expect(step.costUsd).toBeCloseTo(costOf(snakeUsage(step.usage)!, awsPrices).total, 12);
    expect(
      runCost(
        steps.map((step) => ({ usage: snakeUsage(step.usage) })),
        awsPrices,
      ).total,
    ).toBeCloseTo(cost.total, 12);
  });
});
