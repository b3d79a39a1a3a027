/**
 * Our conversion, measured the way it runs on Lambda: run.ts bundles this file with esbuild
 * (as SST does a handler) and runs the bundle in its own process, so peak RSS is its own.
 * Usage: node ours.mjs <input.ndjson> <output.parquet>; prints one JSON line.
 */
import { createReadStream } from "node:fs";
import { isMainThread } from "node:worker_threads";
import { convertToBronze } from "@medallion/core/bronze";
import { carTelemetry } from "@medallion/core/dataset";

// CPU time of the whole process (both threads) so far: less swayed than wall time by what
// else the machine runs.
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

// The bundle is also the script of the Parquet encoding worker: work only on the main thread.
if (isMainThread) {
  const [input, output] = process.argv.slice(2);
  if (!input || !output) throw new Error("usage: ours.mjs <input> <output>");
  const started = performance.now();
  const result = await convertToBronze(createReadStream(input, { highWaterMark: 1 << 20 }), {
    spec: carTelemetry,
    sourceKey: `car_telemetry/${input}`,
    parquetPath: output,
  });
  if (result.recordsRejected)
    throw new Error(`${result.recordsRejected} records rejected: ${result.rejected[0]?.reason}`);
  const ms = performance.now() - started;
  // The reading thread's own CPU time (the encoder's is on its worker): which side bounds the wall time.
  const { user, system } = process.threadCpuUsage();
  const readerCpuMs = (user + system) / 1000;
  process.stdout.write(
    `${JSON.stringify({ engine: "ours", records: result.recordsBronze, ms, cpuMs: cpuMs(), readerCpuMs, maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`,
  );
}
