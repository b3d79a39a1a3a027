/**
 * Pipeline benchmark (issue 18): `medallion run` of 1M car-telemetry records in 10 NDJSON
 * files of 100k, landing → bronze → silver → gold, against DuckDB doing the same pipeline in
 * one process (`duckdb.ts`), on the same files.
 *
 *   npx tsx test/bench/pipeline/run.ts [--files 10] [--records 100000] [--repeat 3] [--json]
 *
 * Each run is its own process with a fresh data directory, so its wall time is the user's
 * (the CLI's start, the embedded stack's, ingestion and the pipeline) and its peak RSS its own
 * (`/usr/bin/time`, every thread). The two alternate (which runs first takes turns), and the
 * medians of the per-round ratios are printed with their spread: this machine is shared, and
 * its speed drifts within minutes.
 *
 * Goals: ours ≤ 3× DuckDB's whole pipeline, same run; peak RSS ≤ 512 MB.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { generateTelemetry } from "../ingest/generate";
import { median } from "../ingest/measure";

const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const fileCount = Number(option("--files") ?? 10);
const perFile = Number(option("--records") ?? 100_000);
const repeat = Number(option("--repeat") ?? 3);
const asJson = args.includes("--json");
const root = join(import.meta.dirname, "..", "..", "..");

/** One measured run of either side. */
interface Run {
  ms: number;
  maxRssMB: number;
  records: number;
  goldRows: Record<string, number>;
  /** Where the time went, as each side reports it. */
  parts: Record<string, number>;
}

// Runs a command under /usr/bin/time, so the peak RSS is the process's (all its threads').
async function timed(command: string[]): Promise<{ stdout: string; ms: number; maxRssMB: number }> {
  const rssFile = join(dir, "rss");
  const started = performance.now();
  const { stdout } = await promisify(execFile)("/usr/bin/time", ["-f", "%M", "-o", rssFile, ...command], {
    maxBuffer: 64 << 20,
    cwd: root,
  });
  const ms = performance.now() - started;
  return { stdout, ms, maxRssMB: Math.round(Number((await readFile(rssFile, "utf8")).trim()) / 1024) };
}

async function ours(round: number): Promise<Run> {
  const dataDir = join(dir, `ours-${round}`);
  const medallion = join(root, "packages", "local", "bin", "medallion.js");
  const { stdout, ms, maxRssMB } = await timed([
    process.execPath,
    medallion,
    "run",
    "--landing",
    landing,
    "--data-dir",
    dataDir,
    "--json",
  ]);
  await rm(dataDir, { recursive: true, force: true });
  const summary = JSON.parse(stdout) as {
    totals: { recordsBronze: number };
    files: { result?: { durationMs: number } }[];
    pipeline: {
      status: string;
      durationMs: number;
      gold: { table: string; inserted: number }[];
      states: { state: string; event: string; elapsedMs?: number }[];
    };
    durationMs: number;
    error: { message: string } | null;
  };
  if (summary.error || summary.pipeline.status !== "SUCCEEDED")
    throw new Error(`medallion run failed: ${JSON.stringify(summary.error ?? summary.pipeline.status)}`);
  // The states that took a second or more (a Map state's iterations summed), by name.
  const states: Record<string, number> = {};
  for (const event of summary.pipeline.states)
    if (event.event === "succeeded") states[event.state] = (states[event.state] ?? 0) + (event.elapsedMs ?? 0);
  // Where the pipeline's time went by kind: the Athena task states (DuckDB on the embedded stack),
  // the Lambda task states (the handlers, DynamoDB and S3 calls included), and what is left, the
  // local Step Functions runner's own time (its Map states run one iteration at a time, so the
  // states' times add up).
  const mapStates = new Set(["RunSilverQueries", "RunGoldStatements"]);
  const athenaStates = new Set(["RunSilverQuery", "RunGoldQuery", "RunGoldMerge", "GetGoldQueryResults"]);
  let athenaMs = 0;
  let lambdaMs = 0;
  for (const [state, ms] of Object.entries(states))
    if (athenaStates.has(state)) athenaMs += ms;
    else if (!mapStates.has(state)) lambdaMs += ms;
  // Each file's ingestion as the handler measured it; two or more run at once (one per core).
  const perFile = summary.files.flatMap((file) => (file.result ? [file.result.durationMs] : []));
  return {
    ms,
    maxRssMB,
    records: summary.totals.recordsBronze,
    goldRows: Object.fromEntries(summary.pipeline.gold.map((g) => [g.table.split(".").at(-1)!, g.inserted])),
    parts: {
      start: ms - summary.durationMs,
      ingest: summary.durationMs - summary.pipeline.durationMs,
      "ingest handler per file (median)": median(perFile),
      pipeline: summary.pipeline.durationMs,
      "pipeline: Athena states (DuckDB)": athenaMs,
      "pipeline: Lambda states": lambdaMs,
      "pipeline: runner": summary.pipeline.durationMs - athenaMs - lambdaMs,
      ...Object.fromEntries(Object.entries(states).filter(([, ms]) => ms >= 1000)),
    },
  };
}

async function duckdb(round: number): Promise<Run> {
  const work = join(dir, `duckdb-${round}`);
  const script = join(import.meta.dirname, "duckdb.ts");
  const { stdout, ms, maxRssMB } = await timed([process.execPath, "--import", "tsx", script, landing, work]);
  await rm(work, { recursive: true, force: true });
  const run = JSON.parse(stdout.trim().split("\n").at(-1)!) as {
    records: number;
    goldRows: Record<string, number>;
    ms: number;
    stepsMs: Record<string, number>;
  };
  return { ms, maxRssMB, records: run.records, goldRows: run.goldRows, parts: { start: ms - run.ms, ...run.stepsMs } };
}

const dir = await mkdtemp(join(tmpdir(), "medallion-bench-pipeline-"));
const landing = join(dir, "landing");
try {
  await mkdir(landing);
  for (let f = 0; f < fileCount; f++)
    await generateTelemetry(join(landing, `telemetry-${String(f).padStart(2, "0")}.ndjson`), perFile, {
      first: f * perFile,
    });
  const runs: { ours: Run[]; duckdb: Run[] } = { ours: [], duckdb: [] };
  const loads: number[] = [];
  for (let r = 0; r < repeat; r++) {
    loads.push(loadavg()[0]!);
    // Which side runs first takes turns, so neither always meets the machine warmer.
    if (r % 2 === 0) {
      runs.ours.push(await ours(r));
      runs.duckdb.push(await duckdb(r));
    } else {
      runs.duckdb.push(await duckdb(r));
      runs.ours.push(await ours(r));
    }
    if (!asJson)
      process.stderr.write(
        `round ${r + 1}/${repeat} (load ${loads.at(-1)!.toFixed(1)}): ours ${(runs.ours[r]!.ms / 1000).toFixed(2)} s ${runs.ours[r]!.maxRssMB} MB ${JSON.stringify(roundParts(runs.ours[r]!))}, DuckDB ${(runs.duckdb[r]!.ms / 1000).toFixed(2)} s ${runs.duckdb[r]!.maxRssMB} MB ${JSON.stringify(roundParts(runs.duckdb[r]!))}\n`,
      );
  }
  for (const run of [...runs.ours, ...runs.duckdb])
    if (run.records !== fileCount * perFile) throw new Error(`a run wrote ${run.records} of ${fileCount * perFile}`);
  const ratios = runs.ours.map((run, r) => run.ms / runs.duckdb[r]!.ms);
  // DuckDB's pipeline alone, without its process's start (node, tsx, loading DuckDB): the stricter reference.
  const inner = (run: Run) => run.ms - run.parts.start!;
  const innerRatios = runs.ours.map((run, r) => run.ms / inner(runs.duckdb[r]!));
  const result = {
    records: fileCount * perFile,
    files: fileCount,
    rounds: repeat,
    loadAverage: { min: Math.min(...loads), max: Math.max(...loads) },
    oursSeconds: runs.ours.map((run) => +(run.ms / 1000).toFixed(2)),
    duckdbSeconds: runs.duckdb.map((run) => +(run.ms / 1000).toFixed(2)),
    ratioPerRound: ratios.map((ratio) => +ratio.toFixed(2)),
    medianRatio: +median(ratios).toFixed(2),
    medianRatioToPipelineAlone: +median(innerRatios).toFixed(2),
    oursMedianSeconds: +(median(runs.ours.map((run) => run.ms)) / 1000).toFixed(2),
    duckdbMedianSeconds: +(median(runs.duckdb.map((run) => run.ms)) / 1000).toFixed(2),
    oursPeakRssMB: Math.max(...runs.ours.map((run) => run.maxRssMB)),
    duckdbPeakRssMB: Math.max(...runs.duckdb.map((run) => run.maxRssMB)),
    oursMedianParts: medianParts(runs.ours),
    duckdbMedianParts: medianParts(runs.duckdb),
    goldRows: { ours: runs.ours[0]!.goldRows, duckdb: runs.duckdb[0]!.goldRows },
  };
  if (asJson) console.log(JSON.stringify(result, null, 2));
  else {
    console.log(result);
    console.log(
      `${result.records} records in ${fileCount} files: ours/DuckDB median ${result.medianRatio}× (goal ≤ 3×; per round ${result.ratioPerRound.join(", ")}; ${result.medianRatioToPipelineAlone}× DuckDB's pipeline without its process start), peak RSS ${result.oursPeakRssMB} MB (goal ≤ 512 MB)`,
    );
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

function roundParts(run: Run): Record<string, number> {
  return Object.fromEntries(Object.entries(run.parts).map(([part, ms]) => [part, +(ms / 1000).toFixed(2)]));
}

function medianParts(list: Run[]): Record<string, number> {
  return Object.fromEntries(
    Object.keys(list[0]!.parts).map((part) => [
      part,
      +(median(list.map((run) => run.parts[part] ?? 0)) / 1000).toFixed(2),
    ]),
  );
}
