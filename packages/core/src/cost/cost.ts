import type { Prices } from "./prices";
import { awsPrices } from "./prices";
import type { Usage } from "./usage";
import { addUsage } from "./usage";

/** What a usage costs, per service and in all, in USD. */
export interface Cost {
  athena: number;
  lambda: number;
  stepFunctions: number;
  s3: number;
  dynamodb: number;
  total: number;
}

/**
 * What a usage costs at a price list (default: AWS's published prices, `./prices`).
 * @param usage what was used
 * @param prices the price list
 * @example costOf({ athena_billed_bytes: 2 ** 40 }).athena // 5
 */
export function costOf(usage: Usage, prices: Prices = awsPrices): Cost {
  const athena = ((usage.athena_billed_bytes ?? 0) / 1024 ** 4) * prices.athena.perTerabyteScanned;
  const lambda =
    (usage.lambda_gb_seconds ?? 0) * prices.lambda.perGbSecond +
    ((usage.lambda_invocations ?? 0) / 1e6) * prices.lambda.perMillionRequests;
  const stepFunctions = ((usage.state_transitions ?? 0) / 1000) * prices.stepFunctions.perThousandTransitions;
  const s3 =
    ((usage.s3_writes ?? 0) / 1000) * prices.s3.perThousandWrites +
    ((usage.s3_reads ?? 0) / 1000) * prices.s3.perThousandReads;
  const dynamodb =
    ((usage.dynamodb_writes ?? 0) / 1e6) * prices.dynamodb.perMillionWrites +
    ((usage.dynamodb_reads ?? 0) / 1e6) * prices.dynamodb.perMillionReads;
  return { athena, lambda, stepFunctions, s3, dynamodb, total: athena + lambda + stepFunctions + s3 + dynamodb };
}

/**
 * What a run cost: the sum of its steps' costs, and the usage they recorded.
 * @param steps the journey's steps (those without usage cost nothing)
 * @param prices the price list
 */
export function runCost(steps: readonly { usage?: Usage }[], prices: Prices = awsPrices): Cost & { usage: Usage } {
  const usage = addUsage(...steps.map((step) => step.usage));
  const sum: Cost = { athena: 0, lambda: 0, stepFunctions: 0, s3: 0, dynamodb: 0, total: 0 };
  for (const step of steps) {
    if (!step.usage) continue;
    const cost = costOf(step.usage, prices);
    for (const key of Object.keys(sum) as (keyof Cost)[]) sum[key] += cost[key];
  }
  return { ...sum, usage };
}

/**
 * A USD amount as people read small costs: four significant digits below a cent.
 * @param usd the amount
 * @example formatUsd(0.000123) // "$0.000123"
 */
export function formatUsd(usd: number): string {
  if (usd === 0) return "$0";
  if (usd >= 0.01) return `$${usd.toFixed(2)}`;
  return `$${usd.toPrecision(3)}`;
}
