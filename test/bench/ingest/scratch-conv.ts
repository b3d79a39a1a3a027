import { createReadStream } from "node:fs";
import { convertToBronze } from "@medallion/core/ingest";
import { carTelemetry } from "@medallion/core/datasets";
const path = process.argv[2]!;
const t = performance.now();
const r = await convertToBronze(createReadStream(path, { highWaterMark: 1 << 20 }), { spec: carTelemetry, sourceKey: "car_telemetry/x.ndjson", parquetPath: `/tmp/scratch/conv.parquet` });
console.log((performance.now() - t).toFixed(0), "ms", r.recordsBronze, "rss", process.resourceUsage().maxRSS / 1024);
