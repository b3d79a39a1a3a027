import { once } from "node:events";
import { createWriteStream } from "node:fs";

/**
 * Writes `count` deterministic car-telemetry readings as NDJSON to `path` (a fixed
 * pseudo-random sequence, so every run measures the same bytes).
 * @param options.unknownField give every reading a field the spec does not know (`vin`), so
 * the plain reader declines every line and each takes the general path (JSON.parse, the
 * record checks, `_extra`)
 * @param options.first the index of the file's first reading (default 0): files of one series
 * take consecutive ranges, so their timestamps follow each other and their values differ
 * @returns the file's size in bytes
 */
export async function generateTelemetry(
  path: string,
  count: number,
  { unknownField = false, first = 0 }: { unknownField?: boolean; first?: number } = {},
): Promise<number> {
  const out = createWriteStream(path);
  let seed = 42 + first;
  const random = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const makers = ["Volkswagen", "Fiat", "Chevrolet", "Toyota", "Hyundai"];
  const colors = ["white", "black", "silver", "red", "blue"];
  const start = Date.UTC(2024, 0, 1);
  let bytes = 0;
  let batch: string[] = [];
  for (let i = 0; i < count; i++) {
    const car = Math.floor(random() * 5000);
    const capacity = 40 + (car % 4) * 10;
    const line = JSON.stringify({
      ...(unknownField ? { vin: `V${car}` } : {}),
      carChassis: `9BWZZZ377VT${String(car).padStart(6, "0")}`,
      Manufacturer: makers[car % makers.length],
      Model: `Model ${car % 17}`,
      color: colors[car % colors.length],
      currentMileage: 10_000 + Math.floor(random() * 200_000),
      metricTimestamp: new Date(start + (first + i) * 1000).toISOString(),
      metrics: {
        trip: { tripMileage: Math.round(random() * 5000) / 10, tripFuelLiters: Math.round(random() * 400) / 10 },
        fuel: { fuelAvailable: Math.floor(random() * capacity), fuelCapacity: capacity },
      },
    });
    batch.push(line);
    bytes += Buffer.byteLength(line) + 1;
    if (batch.length === 10_000) {
      if (!out.write(`${batch.join("\n")}\n`)) await once(out, "drain");
      batch = [];
    }
  }
  if (batch.length) out.write(`${batch.join("\n")}\n`);
  out.end();
  await once(out, "finish");
  return bytes;
}
