/**
 * One conversion of the shapes benchmark, bundled like a Lambda by run.ts and run by plain
 * node in its own process (its peak RSS is its own): a quakes file, as a FeatureCollection
 * (`--records features`) or as NDJSON of the same features.
 * Usage: node convert.mjs <input> <output.parquet> [features]; prints one JSON line.
 */
import { createReadStream } from "node:fs";
import { isMainThread } from "node:worker_threads";
import { convertToBronze } from "@medallion/core/bronze";
import type { DatasetSpec } from "@medallion/core/dataset";

/** The quakes dataset of the benchmark; `records` is set for the FeatureCollection. */
export const quakes: DatasetSpec = {
  name: "quakes",
  landingPrefix: "quakes/",
  fields: [
    { name: "id", type: "string", required: true },
    {
      name: "properties",
      type: "struct",
      required: true,
      fields: [
        { name: "mag", type: "double" },
        { name: "place", type: "string" },
        { name: "time", type: "timestamp", format: "epoch_ms", required: true },
        { name: "updated", type: "timestamp", format: "epoch_ms" },
        { name: "felt", type: "integer" },
        { name: "tsunami", type: "integer" },
        { name: "net", type: "string" },
        { name: "title", type: "string" },
      ],
    },
    { name: "geometry", type: "struct", fields: [{ name: "coordinates", type: "list", items: { type: "double" } }] },
  ],
};

const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

// The bundle is also the script of the Parquet encoding worker: work only on the main thread.
if (isMainThread && process.argv[2]) {
  const [input, output, records] = process.argv.slice(2);
  const started = performance.now();
  const result = await convertToBronze(createReadStream(input!, { highWaterMark: 1 << 20 }), {
    spec: { ...quakes, ...(records && { records }) },
    sourceKey: `quakes/${input}`,
    parquetPath: output!,
  });
  if (result.recordsRejected)
    throw new Error(`${result.recordsRejected} records rejected: ${result.rejected[0]?.reason}`);
  const ms = performance.now() - started;
  process.stdout.write(
    `${JSON.stringify({ engine: "ours", records: result.recordsBronze, ms, cpuMs: cpuMs(), maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`,
  );
}
