import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { HeadlessBrowser } from "@medallion/testing/browser";
import { launchChromium, mainText, watchedPage } from "@medallion/testing/browser";
import type { RunningCli } from "@medallion/testing/cli";
import { medallion, startMedallion } from "@medallion/testing/cli";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The page of `medallion ui` in Debian's headless Chromium, after a sample run: each view shows
// what the run did, with no console error, and leaves a screenshot in the test's temp folder.
describe("medallion ui in a browser", () => {
  let root: string;
  let dataDir: string;
  let chromium: HeadlessBrowser;
  let ui: RunningCli;
  let url: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "medallion-ui-"));
    dataDir = join(root, ".medallion");
    const run = await medallion(["run", "--sample", "--json", "--data-dir", dataDir]);
    expect(run.code, run.stderr).toBe(0);
    ui = startMedallion(["ui", "--port", "0", "--data-dir", dataDir]);
    url = (await ui.waitFor(/http:\/\/127\.0\.0\.1:\d+\//))[0];
    chromium = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await chromium?.close();
    await ui?.stop();
    await rm(root, { recursive: true, force: true });
  });

  // Opens a view, returns its text, and checks it rendered cleanly with a screenshot.
  const visit = async (path: string, screenshot: string): Promise<string> => {
    const { page, errors } = await watchedPage(chromium.browser);
    try {
      const response = await page.goto(new URL(path, url).href, { waitUntil: "load" });
      expect(response?.status()).toBe(200);
      const text = await mainText(page);
      const file = join(root, `${screenshot}.png`);
      await page.screenshot({ path: file, fullPage: true });
      expect((await stat(file)).size).toBeGreaterThan(1000);
      expect(errors).toEqual([]);
      return text;
    } finally {
      await page.close();
    }
  };

  it("Runs: the sample run on the timeline, its steps and its cost; filters by status", async () => {
    // Prepare
    const journeys = JSON.parse((await medallion(["journeys", "--json", "--data-dir", dataDir])).stdout);
    const journey = journeys.journeys[0];

    // Act
    const text = await visit("/runs", "runs");
    const failedOnly = await visit("/runs?status=failed", "runs-failed");

    // Assess
    expect(text).toContain(journey.journeyId);
    expect(text).toMatch(/car_telemetry · completed/);
    expect(text).toMatch(/silver_consolidation\s+succeeded\s+silver/);
    expect(text).toMatch(/cost \$[0-9.]+ \(Athena/);
    expect(failedOnly).toContain("0 run(s)");
    expect(failedOnly).not.toContain(journey.journeyId);
  });

  it("Flow: files → records → bronze and quarantine by reason → silver → gold, with the conservation law", async () => {
    // Act
    const text = await visit("/flow?dataset=car_telemetry", "flow");

    // Assess: the sample's 6 files, 1 quarantined whole; every record in bronze or quarantine.
    expect(text).toMatch(/landing files\s+6\s+1 quarantined whole/);
    const law = /Conservation: records in (\d+) = bronze (\d+) \+ quarantined (\d+) ✓/.exec(text);
    expect(law, text).not.toBeNull();
    expect(Number(law![1])).toBe(Number(law![2]) + Number(law![3]));
    expect(Number(law![3])).toBe(3);
    expect(text).toMatch(/silver rows\s+12/);
    expect(text).toMatch(/gold gold\.car_monthly\s+6/);
    expect(text).toContain("Quarantined records by reason");
  });

  it("Tables: silver partitions with their version and rows, gold tables with their last MERGE, congregado", async () => {
    // Act
    const text = await visit("/tables", "tables");

    // Assess
    expect(text).toMatch(/event_year=2024\/event_month=5\/event_day=1\s+[0-9a-f]{16}\s+\d+\s+none/);
    expect(text).toMatch(/gold\.car_monthly\s+car_telemetry\s+6\s+\d{4}-\d\d-\d\d [\d:]+ UTC\s+6\s+0\s+0/);
    expect(text).toContain("gold_car_monthly");
  });

  it("Lineage: one landing file's bronze object, silver version and gold windows, chosen in the page", async () => {
    // Prepare
    const { page, errors } = await watchedPage(chromium.browser);
    await page.goto(new URL("/lineage?dataset=car_telemetry", url).href, { waitUntil: "load" });
    // Chooses a landing file in the form and traces it, as a person would.
    const trace = async (key: string): Promise<string> => {
      const fileId = await page.$$eval(
        "select[name=file] option",
        (options, wanted) =>
          (options as unknown as { value: string; textContent: string }[]).find(
            (option) => option.textContent === wanted,
          )?.value,
        key,
      );
      await page.select("select[name=file]", fileId!);
      await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.click("form button")]);
      await page.screenshot({ path: join(root, `lineage-${key.replace(/\W+/g, "-")}.png`), fullPage: true });
      return mainText(page);
    };

    // Act
    const consolidated = await trace("car_telemetry/2024-05-01/gateway-north.json");
    const quarantined = await trace("car_telemetry/2024-05-02/gateway-west-partial.json");
    await page.close();

    // Assess
    expect(consolidated).toContain("Lineage of car_telemetry/2024-05-01/gateway-north.json");
    expect(consolidated).toMatch(
      /bronze object\s+car_telemetry\/ingest_date=[\d-]+\/gateway-north-[0-9a-f]+\.parquet: \d+ records/,
    );
    expect(consolidated).toMatch(/silver version\s+[0-9a-f]{16}, consolidated .* by run j-[0-9a-f]+/);
    expect(consolidated).toMatch(/gold windows recomputed\s+gold\.car_monthly: \d+ window\(s\)/);
    expect(quarantined).toMatch(/bronze object\s+none: quarantined whole \(unexpected end of file/);
    expect(quarantined).toMatch(/silver version\s+none: no record reached bronze/);
    expect(errors).toEqual([]);
  });
});

describe("medallion dev --ui", () => {
  let root: string;
  let dev: RunningCli;
  let chromium: HeadlessBrowser;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "medallion-ui-dev-"));
    chromium = await launchChromium();
  });
  afterAll(async () => {
    await chromium?.close();
    await dev?.stop();
    await rm(root, { recursive: true, force: true });
  });

  it("updates the open page as a dropped file is ingested and its run finishes", async () => {
    // Prepare
    const drop = join(root, "drop");
    await mkdir(drop, { recursive: true });
    dev = startMedallion([
      "dev",
      "--ui",
      "--port",
      "0",
      "--s3-port",
      "0",
      "--dynamodb-port",
      "0",
      "--debounce",
      "200ms",
      "--drop",
      drop,
      "--data-dir",
      join(root, ".medallion"),
    ]);
    const url = (await dev.waitFor(/page\s+(http:\/\/127\.0\.0\.1:\d+\/)/))[1]!;
    await dev.waitFor(/Ready/);
    const { page, errors } = await watchedPage(chromium.browser);
    await page.goto(new URL("/runs", url).href, { waitUntil: "load" });
    expect(await mainText(page)).toContain("No runs yet.");

    // Act: a file dropped while the page is open.
    const reading = { carChassis: "UI-1", currentMileage: 42, metricTimestamp: "2024-06-01T10:00:00Z" };
    await writeFile(join(drop, "reading.json"), JSON.stringify(reading));

    // Assess: without a reload by the test, the page comes to show the finished run.
    await page.waitForFunction('document.querySelector("main").textContent.includes("completed")', {
      timeout: 60_000,
    });
    await page.screenshot({ path: join(root, "runs-live.png"), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });
});
