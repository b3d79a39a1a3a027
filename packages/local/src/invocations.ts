import { getHeapStatistics } from "node:v8";
import type { FunctionName } from "@medallion/stacks/functions";
import { functions } from "@medallion/stacks/functions";

/** One local invocation of a function, held against what the deployed function gets. */
export interface InvocationReport {
  function: FunctionName;
  durationMs: number;
  /** The process's peak heap (and buffers) during the invocation: an upper bound of what the function used. */
  peakHeapMB: number;
  /** The deployed function's timeout and memory (`@medallion/stacks/functions`). */
  timeoutSeconds: number;
  memoryMB: number;
}

const HEAP_SAMPLE_MS = 50;
// The JS heap and the buffers it holds (Parquet pages, file bodies): what a handler allocates.
// V8's own statistics: process.memoryUsage() also reads the resident set from /proc on every
// call, about a fifth of a second of CPU over a 1M-record run's samples.
const heapMB = (): number => {
  const { used_heap_size, external_memory } = getHeapStatistics();
  return (used_heap_size + external_memory) / 1024 ** 2;
};

/**
 * Runs one invocation of a function, measuring its duration and the process's peak heap, and
 * reports both with the function's declared timeout and memory.
 * @param name the function's logical name
 * @param run the invocation
 * @param report receives the measurement, whether the invocation succeeded or failed
 */
export async function measured<T>(
  name: FunctionName,
  run: () => Promise<T>,
  report: (invocation: InvocationReport) => void,
): Promise<T> {
  const started = performance.now();
  let peak = heapMB();
  const sampler = setInterval(() => {
    peak = Math.max(peak, heapMB());
  }, HEAP_SAMPLE_MS);
  sampler.unref();
  try {
    return await run();
  } finally {
    clearInterval(sampler);
    report({
      function: name,
      durationMs: Math.round(performance.now() - started),
      peakHeapMB: Math.round(Math.max(peak, heapMB())),
      timeoutSeconds: functions[name].timeoutSeconds,
      memoryMB: functions[name].memoryMB,
    });
  }
}

/**
 * What would not fit on Lambda: one line per function whose slowest invocation ran past its
 * timeout, or whose peak heap passed its memory.
 * @param invocations measured invocations
 * @example fitWarnings(outcome.invocations) // ["FinishGold ran 912.4 s, over its 900 s timeout"]
 */
export function fitWarnings(invocations: readonly InvocationReport[]): string[] {
  const worst = new Map<FunctionName, { durationMs: number; peakHeapMB: number; report: InvocationReport }>();
  for (const report of invocations) {
    const known = worst.get(report.function);
    worst.set(report.function, {
      durationMs: Math.max(known?.durationMs ?? 0, report.durationMs),
      peakHeapMB: Math.max(known?.peakHeapMB ?? 0, report.peakHeapMB),
      report,
    });
  }
  const warnings: string[] = [];
  for (const [name, { durationMs, peakHeapMB, report }] of worst) {
    if (durationMs > report.timeoutSeconds * 1000)
      warnings.push(`${name} ran ${(durationMs / 1000).toFixed(1)} s, over its ${report.timeoutSeconds} s timeout`);
    if (peakHeapMB > report.memoryMB)
      warnings.push(`${name} peaked at ${peakHeapMB} MB of heap, over its ${report.memoryMB} MB of memory`);
  }
  return warnings;
}
