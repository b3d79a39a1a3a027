import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadDatasetSpec } from "@medallion/core/dataset";
import { datasets } from "@medallion/datasets";
import { medallion } from "@medallion/testing/cli";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// A static import as well, so the workspace type-check (`satisfies DatasetSpec`) covers the example.
import weatherStations from "../../datasets/weather-stations";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const exampleFile = join(repo, "datasets/weather-stations.ts");

describe("the README's dataset spec example", () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "medallion-readme-spec-"));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it("is quoted in the README exactly as the example file", async () => {
    // Prepare
    const readme = await readFile(join(repo, "README.md"), "utf8");
    const marker = "<!-- example: datasets/weather-stations.ts -->\n```ts\n";
    // Act
    const start = readme.indexOf(marker);
    const block = readme.slice(start + marker.length, readme.indexOf("```\n", start + marker.length));
    // Assess
    expect(start).toBeGreaterThan(-1);
    expect(block).toBe(await readFile(exampleFile, "utf8"));
  });

  it("is listed in the datasets folder, so medallion runs it end to end into silver and gold without --spec", async () => {
    // Prepare
    const spec = await loadDatasetSpec(exampleFile);
    const landing = join(root, "landing");
    await mkdir(landing);
    const reading = (station: string, at: string, temperature: number, humidity: number) =>
      JSON.stringify({
        station_id: station,
        observed_at: at,
        temperature_c: temperature,
        humidity_pct: humidity,
        wind: { speed_ms: 4, gust_ms: 6 },
      });
    await writeFile(
      join(landing, "lis.ndjson"),
      [
        reading("lis-01", "2024-06-01T10:00:00Z", 20, 60),
        reading("LIS-01", "2024-06-01T10:00:00Z", 20, 65),
        reading("LIS-01", "2024-06-01T14:00:00Z", 26, 40),
      ].join("\n"),
    );
    // Act
    const run = await medallion([
      "run",
      "--dataset",
      "weather_stations",
      "--landing",
      landing,
      "--json",
      "--data-dir",
      join(root, "state"),
    ]);
    // Assess
    expect(spec).toEqual(weatherStations);
    expect(datasets).toContain(weatherStations);
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary.pipeline).toMatchObject({
      status: "SUCCEEDED",
      silver: { rowsAfter: 2, duplicatesRemoved: 1 },
      gold: [{ table: "gold.station_daily", inserted: 1, updated: 0 }],
    });
    const gold = await medallion([
      "query",
      "--json",
      "--data-dir",
      join(root, "state"),
      "SELECT station, readings, min_temperature_c, max_temperature_c FROM gold.station_daily",
    ]);
    expect(JSON.parse(gold.stdout).results[0].rows).toEqual([
      { station: "LIS-01", readings: 2, min_temperature_c: 20, max_temperature_c: 26 },
    ]);
  });
});
