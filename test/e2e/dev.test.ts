import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { medallion, startMedallion } from "@medallion/testing/cli";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const reading = (car: string, mileage: number) =>
  JSON.stringify({ carChassis: car, currentMileage: mileage, metricTimestamp: "2024-06-01T10:00:00Z" });

describe("medallion dev", () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "medallion-dev-"));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it("runs the pipeline shortly after a drop, serves query, journeys and congregado beside it, and stops cleanly", async () => {
    // Prepare
    const drop = join(root, "drop");
    const dataDir = join(root, "state");
    await mkdir(drop);
    const dev = startMedallion(["dev", "--data-dir", dataDir, "--drop", drop, "--debounce", "1s", ...freePorts]);
    await dev.waitFor(/Ready\. Ctrl-C to stop\./);
    const s3 = (await dev.waitFor(/S3 endpoint +(http:\/\/127\.0\.0\.1:\d+)/))[1]!;
    const dynamodb = (await dev.waitFor(/DynamoDB endpoint +(http:\/\/127\.0\.0\.1:\d+)/))[1]!;
    expect(dev.stdout()).toContain(
      `aws s3 cp reading.json s3://medallion-local-landing/car_telemetry/reading.json --endpoint-url ${s3}`,
    );
    expect(dev.stdout()).toContain(
      `aws dynamodb scan --table-name medallion-local-journey-control --endpoint-url ${dynamodb}`,
    );
    // The printed DynamoDB endpoint is the stack's.
    const client = new DynamoDBClient({
      endpoint: dynamodb,
      region: "us-east-1",
      credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    });
    expect((await client.send(new ListTablesCommand({}))).TableNames).toContain("medallion-local-journey-control");
    client.destroy();

    // Act: drop a file, and nothing else: the run follows the ingestion by itself.
    await writeFile(join(drop, "reading.json"), reading("DEV-1", 321));
    await dev.waitFor(/ingest ✓ car_telemetry\/reading\.json: 1 records → 1 bronze/);
    const run = await dev.waitFor(
      /pipeline car_telemetry \(after ingest\) SUCCEEDED in [\d.]+ m?s, journey (j-[0-9a-f]+): silver silver\.car_telemetry: 1 new rows/,
    );
    // Beside the running dev, right away.
    const [silver, journeys, congregado, write] = await Promise.all([
      medallion([
        "query",
        "SELECT carChassis, currentMileage FROM silver.car_telemetry",
        "--json",
        "--data-dir",
        dataDir,
      ]),
      medallion(["journeys", "--json", "--data-dir", dataDir]),
      medallion(["congregado", "--json", "--data-dir", dataDir]),
      medallion(["query", "DELETE FROM gold.car_monthly", "--data-dir", dataDir]),
    ]);

    // Assess: each read went through dev and saw what it just wrote.
    expect(silver.code, silver.stderr).toBe(0);
    expect(JSON.parse(silver.stdout)).toEqual({
      results: [{ columns: expect.any(Array), rows: [{ carChassis: "DEV-1", currentMileage: 321 }] }],
      error: null,
    });
    expect(journeys.code, journeys.stderr).toBe(0);
    expect(JSON.parse(journeys.stdout).journeys).toEqual([
      expect.objectContaining({ journeyId: run[1], dataset: "car_telemetry", status: "completed" }),
    ]);
    expect(congregado.code, congregado.stderr).toBe(0);
    expect(JSON.parse(congregado.stdout).congregados.map((c: { id: string }) => c.id)).toEqual([
      "gold_car_monthly",
      "gold_manufacturer_daily",
    ]);
    expect(write.code).toBe(2);
    expect(write.stderr).toMatch(/statement 1 is DELETE: medallion query only reads/);

    // Act: Ctrl-C.
    const code = await dev.stop();

    // Assess: a clean stop; the lake reads the same without dev.
    expect(code, dev.stderr()).toBe(0);
    expect(dev.stdout()).toContain("Stopped: writes in flight finished, state saved.");
    expect(await readdir(join(drop, "_uploaded"))).toEqual(["reading.json"]);
    const after = await medallion([
      "query",
      "SELECT carChassis FROM silver.car_telemetry",
      "--json",
      "--data-dir",
      dataDir,
    ]);
    expect(after.code, after.stderr).toBe(0);
    expect(JSON.parse(after.stdout).results[0].rows).toEqual([{ carChassis: "DEV-1" }]);
  });

  it("prints one short line for a run with nothing to do, and starts no journey for it", async () => {
    // Prepare
    const dataDir = join(root, "idle");
    const dev = startMedallion([
      "dev",
      "--data-dir",
      dataDir,
      "--drop",
      join(root, "idle-drop"),
      "--every",
      "1s",
      ...freePorts,
    ]);
    const ready = (await dev.waitFor(/Ready\. Ctrl-C to stop\.\n/)).index;

    // Act: let two intervals pass.
    const from = dev.stdout().length;
    await dev.waitFor(/nothing new\n[\s\S]*nothing new\n/, { from });
    const journeys = await medallion(["journeys", "--json", "--data-dir", dataDir]);
    await dev.stop();

    // Assess: nothing but one line per run and dataset, and no journey.
    expect(ready).toBeGreaterThan(0);
    const lines = dev.stdout().slice(from).trim().split("\n");
    for (const line of lines.slice(0, -1))
      expect(line).toMatch(
        /^\[\d\d:\d\d:\d\d\] pipeline (car_telemetry|operations|weather_stations) \(every 1\.0 s\): nothing new$/,
      );
    expect(journeys.code, journeys.stderr).toBe(0);
    expect(JSON.parse(journeys.stdout)).toEqual({ journeys: [], total: 0, omitted: 0, setAside: [], error: null });
  });

  it("prints one JSON event per line with --json: ready with both endpoints, each ingestion and each run", async () => {
    // Prepare
    const drop = join(root, "json-drop");
    const dataDir = join(root, "json");
    await mkdir(drop);
    const dev = startMedallion([
      "dev",
      "--json",
      "--data-dir",
      dataDir,
      "--drop",
      drop,
      "--debounce",
      "500ms",
      ...freePorts,
    ]);
    await dev.waitFor(/"event":"ready"/);

    // Act
    await writeFile(join(drop, "a.json"), reading("JSON-1", 10));
    await dev.waitFor(/"event":"pipeline".*"status":"SUCCEEDED"/);
    await dev.stop();

    // Assess
    const events = dev
      .stdout()
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { event: string; at: string } & Record<string, unknown>);
    expect(events.map((e) => e.event)).toEqual(["ready", "dropped", "ingested", "pipeline", "stopped"]);
    expect(events[0]).toMatchObject({
      s3Endpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      dynamodbEndpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      schedule: { kind: "ingest", debounceMs: 500 },
    });
    expect(events[2]).toMatchObject({ key: "car_telemetry/a.json", status: "bronze", recordsBronze: 1, error: null });
    expect(events[3]).toMatchObject({
      dataset: "car_telemetry",
      trigger: "after ingest",
      summary: { status: "SUCCEEDED", journeyId: expect.stringMatching(/^j-/), error: null },
    });
    for (const event of events) expect(Date.parse(event.at)).not.toBeNaN();
  });
});

// Tests run beside other tests (and other checkouts): never the fixed default ports.
const freePorts = ["--s3-port", "0", "--dynamodb-port", "0"];
