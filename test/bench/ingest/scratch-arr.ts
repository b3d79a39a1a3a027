import { createReadStream } from "node:fs";
import { convertToBronze } from "@medallion/core/ingest";
import { carTelemetry } from "@medallion/core/datasets";
const t = performance.now();
const r = await convertToBronze(createReadStream(process.argv[2]!, { highWaterMark: 1 << 20 }), { spec: carTelemetry, sourceKey: "k", parquetPath: "/tmp/scratch/arr.parquet" });
console.log((performance.now() - t).toFixed(0), "ms", r.recordsBronze, "rss MB", Math.round(process.resourceUsage().maxRSS / 1024));
