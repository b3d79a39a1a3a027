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
 * A third side measures "a file in the CLI costs what the bundled handler costs": the same
 * files converted by the ingest benchmark's bundle (`../ingest/ours.ts`, bundled as SST bundles
 * a handler), one process per file and as many at once as the CLI runs ingestions (one per
 * core). The CLI's handler times (its whole invocation: the landing GET, the conversion, the
 * bronze PUT, the archive copy, the ledger) are set against the bundle's conversion times, and
 * the CLI's ingest phase (the drop included) against the bundle's wall time for all the files.
 *
 * Goals: ours ≤ 3× DuckDB's whole pipeline, same run; peak RSS ≤ 512 MB; a file in the CLI
 * within the noise of the bundled conversion at the same concurrency.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { bundleLikeLambda } from "@medallion/testing/bundle";
import { generateTelemetry } from "../ingest/generate";
import { measure, median } from "../ingest/measure";

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

/** The bundled conversion of the landing files, as many at once as the CLI runs ingestions. */
interface BundledRun {
  /** Wall time for all the files. */
  ms: number;
  /** Each file's conversion, as the bundle timed it (its process's start excluded, as the CLI's is). */
  perFileMs: number[];
}

async function bundled(round: number): Promise<BundledRun> {
  const files = (await readdir(landing)).sort();
  const perFileMs: number[] = [];
  const started = performance.now();
  let next = 0;
  const convertNext = async (): Promise<void> => {
    for (let f = next++; f < files.length; f = next++) {
      const run = await measure([bundle, join(landing, files[f]!), join(dir, `bundled-${round}-${f}.parquet`)], "ours");
      if (run.records !== perFile) throw new Error(`the bundle wrote ${run.records} of ${perFile} records`);
      perFileMs.push(run.ms);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, convertNext));
  const ms = performance.now() - started;
  for (let f = 0; f < files.length; f++) await rm(join(dir, `bundled-${round}-${f}.parquet`), { force: true });
  return { ms, perFileMs };
}

// The CLI's embedded stack runs one ingestion per core (`packages/local/src/stack.ts`).
const concurrency = availableParallelism();
const dir = await mkdtemp(join(tmpdir(), "medallion-bench-pipeline-"));
const landing = join(dir, "landing");
const bundle = join(dir, "ours.mjs");
try {
  await mkdir(landing);
  await bundleLikeLambda(join(import.meta.dirname, "..", "ingest", "ours.ts"), bundle);
  for (let f = 0; f < fileCount; f++)
    await generateTelemetry(join(landing, `telemetry-${String(f).padStart(2, "0")}.ndjson`), perFile, {
      first: f * perFile,
    });
  const runs: { ours: Run[]; duckdb: Run[]; bundled: BundledRun[] } = { ours: [], duckdb: [], bundled: [] };
  const loads: number[] = [];
  for (let r = 0; r < repeat; r++) {
    loads.push(loadavg()[0]!);
    // Which side runs first takes turns, so none always meets the machine warmer.
    const sides = [
      async () => runs.ours.push(await ours(r)),
      async () => runs.duckdb.push(await duckdb(r)),
      async () => runs.bundled.push(await bundled(r)),
    ];
    for (let s = 0; s < sides.length; s++) await sides[(r + s) % sides.length]!();
    if (!asJson) {
      const { ms, perFileMs } = runs.bundled[r]!;
      process.stderr.write(
        `round ${r + 1}/${repeat} (load ${loads.at(-1)!.toFixed(1)}): ours ${(runs.ours[r]!.ms / 1000).toFixed(2)} s ${runs.ours[r]!.maxRssMB} MB ${JSON.stringify(roundParts(runs.ours[r]!))}, DuckDB ${(runs.duckdb[r]!.ms / 1000).toFixed(2)} s ${runs.duckdb[r]!.maxRssMB} MB ${JSON.stringify(roundParts(runs.duckdb[r]!))}, bundled conversion ${(ms / 1000).toFixed(2)} s (${(median(perFileMs) / 1000).toFixed(2)} s a file, ${concurrency} at once)\n`,
      );
    }
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
    // A file in the CLI against the bundled handler, both `concurrency` at once, per round.
    cliFile: {
      concurrency,
      cliHandlerMedianSeconds: runs.ours.map(
        (run) => +(run.parts["ingest handler per file (median)"]! / 1000).toFixed(2),
      ),
      bundledConversionMedianSeconds: runs.bundled.map((run) => +(median(run.perFileMs) / 1000).toFixed(2)),
      medianRatio: +median(
        runs.ours.map((run, r) => run.parts["ingest handler per file (median)"]! / median(runs.bundled[r]!.perFileMs)),
      ).toFixed(2),
      cliIngestPhaseSeconds: runs.ours.map((run) => +(run.parts.ingest! / 1000).toFixed(2)),
      bundledAllFilesSeconds: runs.bundled.map((run) => +(run.ms / 1000).toFixed(2)),
      phaseMedianRatio: +median(runs.ours.map((run, r) => run.parts.ingest! / runs.bundled[r]!.ms)).toFixed(2),
    },
  };
  if (asJson) console.log(JSON.stringify(result, null, 2));
  else {
    console.log(result);
    console.log(
      `${result.records} records in ${fileCount} files: ours/DuckDB median ${result.medianRatio}× (goal ≤ 3×; per round ${result.ratioPerRound.join(", ")}; ${result.medianRatioToPipelineAlone}× DuckDB's pipeline without its process start), peak RSS ${result.oursPeakRssMB} MB (goal ≤ 512 MB)`,
    );
    console.log(
      `a file in the CLI / the bundled conversion, ${concurrency} at once: median ${result.cliFile.medianRatio}× (the handler's median per round ${result.cliFile.cliHandlerMedianSeconds.join(", ")} s against ${result.cliFile.bundledConversionMedianSeconds.join(", ")} s); the ingest phase / the bundle's ${fileCount} files: ${result.cliFile.phaseMedianRatio}×`,
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
