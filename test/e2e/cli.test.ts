import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { commands } from "@medallion/local/commands/index";
import { medallion } from "@medallion/testing/cli";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The CLI as a data engineer meets it: help, exit codes, --json, colour, query, failures.
// One sample run is shared by the tests that only read.

const ESC = "\u001b[";

// A user's dataset whose gold key leaves out the day: two days of one meter fail the merge.
const meterSpec = (typo = false) => `
export default {
  name: "meter_readings",
  landingPrefix: "meters/",
  fields: [
    { name: "meter", type: "string", required: true },
    { name: "read_at", type: "timestamp", required: true },
    { name: "kwh", type: "double" },
  ],
  silver: {
    partition: { from: "read_at", year: "y", month: "m", day: "d" },
    dedup: { key: ["meter", "read_at", "y", "m", "d"], order: [] },
    retentionDays: 1,
  },
  gold: {
    tables: [
      {
        name: "meter_daily",
        key: ["meter"],
        dimensions: [
          { name: "meter", type: "varchar", expr: { kind: "column", path: ["meter"] } },
          { name: "day", type: "date", expr: { kind: "date", of: { kind: "column", path: ["read_at"] } } },
        ],
        aggregates: [{ name: "kwh", kind: "sum", of: { kind: "column", path: ["${typo ? "kwhh" : "kwh"}"] } }],
        partitionBy: [],
        window: "day",
      },
    ],
  },
};
`;

/** Every object key of a JSON document, with its path; records (query rows, samples) are the data's. */
function keysOf(value: unknown, path = "$"): string[] {
  if (Array.isArray(value)) return value.flatMap((item) => keysOf(item, `${path}[]`));
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) =>
    ["rows", "sample"].includes(key) ? [`${path}.${key}`] : [`${path}.${key}`, ...keysOf(inner, `${path}.${key}`)],
  );
}

/** A command's JSON document, or an error that shows what it printed instead. */
// biome-ignore lint/suspicious/noExplicitAny: a JSON document, read by the assertions
function parsed(result: { code: number; stdout: string; stderr: string }): any {
  try {
    return JSON.parse(result.stdout);
  } catch {
    throw new Error(`not JSON (exit ${result.code}): ${result.stdout}\nstderr: ${result.stderr}`);
  }
}

const notCamel = (document: unknown) =>
  keysOf(document).filter((path) => !/^[a-z][a-zA-Z0-9]*$/.test(path.split(".").at(-1)!));

describe("the medallion CLI", () => {
  let root: string;
  let dataDir: string;
  let sample: { code: number; stdout: string; stderr: string };
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "medallion-cli-"));
    dataDir = join(root, "sample");
    sample = await medallion(["run", "--sample", "--json", "--data-dir", dataDir]);
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it("answers --help for every command, and --version", async () => {
    // Act
    const [version, overview, ...helps] = await Promise.all([
      medallion(["--version"]),
      medallion(["--help"]),
      ...commands.map((command) => medallion([command.name, "--help"])),
    ]);
    // Assess
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^medallion \d+\.\d+\.\d+ \(Node\.js v22\.\d+\.\d+\)\n$/);
    expect(overview.code).toBe(0);
    for (const command of commands) expect(overview.stdout).toContain(`  ${command.name} `);
    for (const [index, help] of helps.entries()) {
      const name = commands[index]!.name;
      expect(help.code, name).toBe(0);
      expect(help.stdout, name).toMatch(new RegExp(`^medallion ${name}: `));
      expect(help.stdout, name).toContain(`Usage:\n  medallion ${name}`);
      expect(help.stdout, name).toContain("--data-dir <dir>");
      expect(help.stdout, name).toContain("Examples:");
      for (const option of commands[index]!.options) expect(help.stdout, name).toContain(`--${option}`);
    }
  });

  it("exits 2 on a usage error, says what is wrong, and starts nothing", async () => {
    // Prepare
    const untouched = join(root, "never-started");
    const empty = join(root, "empty");
    await mkdir(empty);
    const cases: [string[], RegExp][] = [
      [["nope"], /unknown command "nope"; the commands are run, spec, dev/],
      [["run", "--no-such-flag"], /no-such-flag/],
      [["query", "--landing", "x", "SELECT 1"], /medallion query does not take --landing/],
      [["run", "--dataset", "nope"], /unknown dataset "nope"; the known datasets are car_telemetry, operations/],
      [["run", "--landing", join(root, "missing")], /--landing .*missing: no such folder/],
      [["run", "--landing", empty], /the folder holds no files/],
      [["backfill", "--from", "2024-05-03", "--to", "2024-05-01"], /--from 2024-05-03 is after --to 2024-05-01/],
      [["backfill", "--from", "2024-13-01", "--to", "2024-05-01"], /--from 2024-13-01: expected a date YYYY-MM-DD/],
      [["journeys", "--status", "done"], /--status done: expected one of pending, in_progress, completed, failed/],
      [["journeys", "--limit", "many"], /--limit many: expected a whole number/],
      [["dev", "--s3-port", "99999"], /--s3-port 99999: expected a port/],
      [["query"], /medallion query needs SQL/],
      [["redrive", "--stage", "prod"], /medallion redrive --stage needs --dataset <name>/],
    ];
    // Act
    const results = await Promise.all(cases.map(([args]) => medallion([...args, "--data-dir", untouched])));
    const json = await medallion(["run", "--dataset", "nope", "--json", "--data-dir", untouched]);
    // Assess
    for (const [index, result] of results.entries()) {
      expect(result.code, cases[index]![0].join(" ")).toBe(2);
      expect(result.stderr, cases[index]![0].join(" ")).toMatch(cases[index]![1]);
    }
    expect(json.code).toBe(2);
    expect(parsed(json)).toEqual({ error: { name: "UsageError", message: expect.stringMatching(/nope/) } });
    await expect(stat(untouched)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("ran the sample; run again, it says nothing new and starts no journey", async () => {
    // Act
    const again = await medallion(["run", "--sample", "--data-dir", dataDir]);
    const journeys = await medallion(["journeys", "--json", "--data-dir", dataDir]);
    // Assess
    expect(sample.code, sample.stderr).toBe(0);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.split("\n")[0]).toBe("medallion run: car_telemetry — nothing new");
    expect(again.stdout).toMatch(/pipeline +not run: nothing new \(no file pending\), so no journey either/);
    expect(parsed(journeys)).toMatchObject({ total: 1, omitted: 0, error: null });
  });

  it("prints JSON of one key style, the same document shape on success and failure, and the journey everywhere", async () => {
    // Prepare: a run that fails in gold (its key is not unique), beside the sample's success.
    const specFile = join(root, "meters.ts");
    const landing = join(root, "meters");
    await writeFile(specFile, meterSpec());
    await mkdir(landing);
    await writeFile(
      join(landing, "a.ndjson"),
      [
        JSON.stringify({ meter: "M1", read_at: "2024-06-01T10:00:00Z", kwh: 1 }),
        JSON.stringify({ meter: "M1", read_at: "2024-06-02T10:00:00Z", kwh: 2 }),
      ].join("\n"),
    );
    const failedDir = join(root, "failed");

    // Act
    const [failedText, failedJson] = await Promise.all([
      medallion(["run", "--spec", specFile, "--landing", landing, "--data-dir", join(root, "failed-text")]),
      medallion(["run", "--spec", specFile, "--landing", landing, "--json", "--data-dir", failedDir]),
    ]);
    const succeeded = parsed(sample);
    const failed = parsed(failedJson);
    const [journeys, oneJourney, failedJourney, backfill, congregados, congregado] = await Promise.all([
      medallion(["journeys", "--json", "--data-dir", dataDir]),
      medallion(["journeys", succeeded.pipeline.journeyId, "--json", "--data-dir", dataDir]),
      medallion(["journeys", failed.pipeline.journeyId ?? "none", "--json", "--data-dir", failedDir]),
      medallion(["backfill", "--from", "2024-05-01", "--to", "2024-05-01", "--json", "--data-dir", dataDir]),
      medallion(["congregado", "--json", "--data-dir", dataDir]),
      medallion(["congregado", "gold_car_monthly", "--json", "--data-dir", dataDir]),
    ]);

    // Assess: the failed run says where and why, in one line, with its journey; no raw JSON logs.
    expect(failedText.code).toBe(1);
    expect(failedText.stdout).toMatch(
      /\n {2}pipeline +FAILED at RecordGoldResult in [\d.]+ s: DuplicateSourceKeyError: MERGE into gold\.meter_daily refused.*meter=M1 \(2 rows\)\n {2}journey +j-[0-9a-f]{32} /,
    );
    expect(failedText.stderr).not.toMatch(/^\{/m);
    expect(failedText.stderr).not.toContain('"errorType"');
    expect(failedJson.code).toBe(1);
    expect(failed.error).toEqual({
      step: "RecordGoldResult",
      name: "DuplicateSourceKeyError",
      message: expect.stringMatching(/offending keys: meter=M1/),
    });
    expect(failed.pipeline).toMatchObject({
      status: "FAILED",
      journeyId: expect.stringMatching(/^j-/),
      error: failed.error,
    });
    expect(parsed(failedJourney).journey).toMatchObject({
      journeyId: failed.pipeline.journeyId,
      status: "failed",
      error: { name: "DuplicateSourceKeyError" },
    });

    // One key style in every document; the same keys whether the run succeeded or failed.
    const documents = [
      succeeded,
      failed,
      ...[journeys, oneJourney, backfill, congregados, congregado].map((r) => parsed(r)),
    ];
    expect(documents.map((document) => document.error)).toEqual([null, failed.error, null, null, null, null, null]);
    for (const document of documents) expect(notCamel(document)).toEqual([]);
    const shape = (document: unknown) => new Set(keysOf(document).map((path) => path.replace(/\[\]/g, "")));
    const onlyTopAndPipeline = (paths: Set<string>) =>
      [...paths].filter((path) => /^\$\.[a-zA-Z]+$|^\$\.pipeline\.[a-zA-Z]+$/.test(path)).sort();
    expect(onlyTopAndPipeline(shape(failed))).toEqual(onlyTopAndPipeline(shape(succeeded)));
    // The journey a run names is the one journeys lists and shows, with the same keys in both.
    const listed = parsed(journeys).journeys[0];
    const shown = parsed(oneJourney).journey;
    expect(listed.journeyId).toBe(succeeded.pipeline.journeyId);
    expect(shown.journeyId).toBe(succeeded.pipeline.journeyId);
    expect(Object.keys(shown).sort()).toEqual(Object.keys(listed).sort());
    // A backfill day reports its execution with the same keys as a run.
    const day = parsed(backfill).days[0];
    expect(Object.keys(day.pipeline).sort()).toEqual(Object.keys(succeeded.pipeline).sort());
    expect(succeeded.error).toBeNull();
  });

  it("shows the handlers' JSON logs only with --verbose, on stderr, leaving stdout parseable", async () => {
    // Act
    const verbose = await medallion([
      "run",
      "--sample",
      "--dataset",
      "operations",
      "--json",
      "--verbose",
      "--data-dir",
      join(root, "verbose"),
    ]);
    // Assess
    expect(verbose.code, verbose.stderr).toBe(0);
    expect(verbose.stderr).toMatch(/^\{"level":"INFO","message":"journey started"/m);
    expect(parsed(verbose).pipeline.status).toBe("SUCCEEDED");
    expect(sample.stderr).not.toMatch(/^\{"level"/m);
  });

  it("reports a file quarantined whole in run --landing at the end and exits 1, unless --allow-quarantine", async () => {
    // Prepare
    const landing = join(root, "broken");
    await mkdir(landing);
    await writeFile(
      join(landing, "good.json"),
      JSON.stringify({ carChassis: "Q1", currentMileage: 1, metricTimestamp: "2024-05-01T10:00:00Z" }),
    );
    await writeFile(join(landing, "cut.json"), '[{"carChassis": "Q2"');
    // Act
    const [refused, allowed] = await Promise.all([
      medallion(["run", "--landing", landing, "--data-dir", join(root, "q1")]),
      medallion(["run", "--landing", landing, "--allow-quarantine", "--json", "--data-dir", join(root, "q2")]),
    ]);
    // Assess
    expect(refused.code).toBe(1);
    const tail = refused.stdout.trim().split("\n").slice(-3);
    expect(tail[0]).toMatch(/quarantined +1 file\(s\) quarantined whole \(query them: quarantine\.car_telemetry\):/);
    expect(tail[1]).toMatch(/car_telemetry\/cut\.json: unexpected end of file/);
    expect(tail[2]).toBe("✗ FilesQuarantined: 1 file(s) quarantined whole (pass --allow-quarantine to accept that)");
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(parsed(allowed)).toMatchObject({
      totals: { filesQuarantined: 1, filesToBronze: 1 },
      error: null,
    });
  });

  it("exits 1 when what was asked for does not exist: a journey, a congregado", async () => {
    // Act
    const [journey, journeyJson, congregado] = await Promise.all([
      medallion(["journeys", "j-nope", "--data-dir", dataDir]),
      medallion(["journeys", "j-nope", "--json", "--data-dir", dataDir]),
      medallion(["congregado", "gold_nope", "--data-dir", dataDir]),
    ]);
    // Assess
    expect(journey.code).toBe(1);
    expect(journey.stdout).toBe("");
    expect(journey.stderr).toContain('medallion journeys: no journey with id or idempotency key "j-nope"');
    expect(journeyJson.code).toBe(1);
    expect(parsed(journeyJson)).toEqual({
      journey: null,
      error: { name: "JourneyNotFound", message: 'no journey with id or idempotency key "j-nope"' },
    });
    expect(congregado.code).toBe(1);
    expect(congregado.stderr).toContain('no congregado with id "gold_nope"');
  });

  it("colours on request only: none when piped, FORCE_COLOR forces it, NO_COLOR wins", async () => {
    // Act
    const [piped, forced, refused] = await Promise.all([
      medallion(["journeys", "--data-dir", dataDir]),
      medallion(["journeys", "--data-dir", dataDir], { env: { FORCE_COLOR: "1" } }),
      medallion(["journeys", "--data-dir", dataDir], { env: { FORCE_COLOR: "1", NO_COLOR: "1" } }),
    ]);
    // Assess
    expect(piped.stdout).toContain("completed");
    expect(piped.stdout).not.toContain(ESC);
    expect(forced.stdout).toContain(`${ESC}32mcompleted${ESC}39m`);
    expect(refused.stdout).not.toContain(ESC);
  });

  it("queries read-only: every table listed from the start, quarantine with reasons, one result per statement", async () => {
    // Act
    const started = Date.now();
    const text = await medallion(
      [
        "query",
        "SELECT schema, name FROM (SHOW ALL TABLES) ORDER BY 1, 2; SELECT kind, line, reason FROM quarantine.car_telemetry ORDER BY kind, line",
        "--data-dir",
        dataDir,
      ],
      { env: { COLUMNS: "200" } },
    );
    const elapsed = Date.now() - started;
    const json = await medallion([
      "query",
      "SELECT 9007199254740993::BIGINT AS big, 42::BIGINT AS small, 1.25::DECIMAL(4,2) AS price",
      "--json",
      "--data-dir",
      dataDir,
    ]);
    const narrow = await medallion(["query", "SELECT * FROM silver.car_telemetry", "--data-dir", dataDir], {
      env: { COLUMNS: "80" },
    });
    const write = await medallion(["query", "CREATE TABLE gold.x AS SELECT 1", "--json", "--data-dir", dataDir]);
    const bad = await medallion(["query", "SELECT * FROM gold.nowhere", "--data-dir", dataDir]);
    // Assess
    console.info(`medallion query of two statements on the sample lake: ${elapsed} ms, process start to exit`);
    expect(text.code, text.stderr).toBe(0);
    const [tables, quarantine] = text.stdout.split("\n\n");
    for (const table of [
      "│ bronze     │ car_telemetry      │",
      "│ gold       │ car_monthly        │",
      "│ gold       │ manufacturer_daily │",
      "│ quarantine │ car_telemetry      │",
      "│ silver     │ car_telemetry      │",
      "│ silver     │ operations         │",
    ])
      expect(tables).toContain(table);
    expect(quarantine).toMatch(/│ file +│ +NULL │ unexpected end of file/);
    expect(quarantine).toMatch(/│ record +│ +25 │ schema: currentMileage: expected a number, got "twelve thousand"/);
    expect(quarantine).toContain("  4 rows");
    expect(parsed(json)).toEqual({
      results: [
        {
          columns: [
            { name: "big", type: "BIGINT" },
            { name: "small", type: "BIGINT" },
            { name: "price", type: "DECIMAL(4,2)" },
          ],
          rows: [{ big: "9007199254740993", small: 42, price: 1.25 }],
        },
      ],
      error: null,
    });
    expect(Math.max(...narrow.stdout.split("\n").map((line) => line.length))).toBeLessThanOrEqual(80);
    expect(narrow.stdout).toMatch(/columns \(\d+ shown: the terminal is 80 wide\)/);
    expect(write.code).toBe(2);
    expect(parsed(write)).toEqual({
      results: [],
      error: { name: "ReadOnlyError", message: expect.stringMatching(/only reads/) },
    });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/medallion query: .*nowhere/);
  });

  it("checks a spec against itself before anything starts: the table, the expression and the candidates, exit 2", async () => {
    // Prepare
    const specFile = join(root, "typo.ts");
    await writeFile(specFile, meterSpec(true));
    const untouched = join(root, "typo-state");
    // Act
    const run = await medallion(["run", "--spec", specFile, "--landing", root, "--data-dir", untouched]);
    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`dataset spec ${specFile} is invalid`);
    expect(run.stderr).toMatch(
      /gold\.tables\[0\]\.aggregates\[0\]: gold table meter_daily: aggregate kwh \(sum\) = kwhh names column kwhh, which silver\.meter_readings does not have \(did you mean kwh\?/,
    );
    await expect(stat(untouched)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("says which port is taken when dev cannot listen, and how to choose another", async () => {
    // Prepare: a port in use.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      // Act
      const dev = await medallion([
        "dev",
        "--s3-port",
        String(port),
        "--dynamodb-port",
        "0",
        "--data-dir",
        join(root, "ports"),
      ]);
      // Assess
      expect(dev.code).toBe(1);
      expect(dev.stderr).toContain(`S3 port ${port} is in use (another medallion dev?)`);
      expect(dev.stderr).toContain("pass --s3-port / --dynamodb-port, 0 for any free port");
    } finally {
      server.close();
    }
  });
});
