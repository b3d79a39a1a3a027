import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rename, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateTelemetry } from "../ingest/generate";

// `medallion run --landing` over a folder of large files: its peak RSS must stay bounded (the
// issue's check: three files of 1.5 GB under 512 MB), whatever the size and number of files.
// The files are generated in a temp folder and removed after; with --landing, in that folder,
// kept, and reused by the next run (generating 4.5 GB takes minutes). Usage:
//   npx tsx test/bench/landing/run.ts [--files 3] [--gb 1.5] [--landing <folder>]

const bin = fileURLToPath(new URL("../../../packages/local/bin/medallion.js", import.meta.url));
const argument = (name: string, fallback: number) => {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
};
const files = argument("files", 3);
const gigabytes = argument("gb", 1.5);
const LIMIT_BYTES = 512 * 1024 * 1024;
// A reading of the generator is about 290 bytes of NDJSON.
const readingsPerFile = Math.round((gigabytes * 1024 ** 3) / 290);

const kept = process.argv.includes("--landing") ? process.argv[process.argv.indexOf("--landing") + 1] : undefined;
const root = await mkdtemp(join(tmpdir(), "medallion-bench-landing-"));
try {
  // A kept folder holds one subfolder per run size (the run ingests every file of its folder).
  const landing = kept ? join(kept, `${files}x${gigabytes}gb`) : join(root, "landing");
  await mkdir(landing, { recursive: true });
  let total = 0;
  for (let file = 0; file < files; file++) {
    const name = `part-${file}.ndjson`;
    const path = join(landing, name);
    const existing = kept ? await stat(path).catch(() => undefined) : undefined;
    let bytes = existing?.size ?? 0;
    if (!existing) {
      // Generated beside, then renamed: an interrupted generation is never taken for a whole file.
      bytes = await generateTelemetry(`${path}.partial`, readingsPerFile);
      await rename(`${path}.partial`, path);
    }
    total += bytes;
    console.error(`${existing ? "reused" : "generated"} ${name}: ${(bytes / 1024 ** 3).toFixed(2)} GB`);
  }
  const started = Date.now();
  const child = spawn(
    process.execPath,
    [bin, "run", "--landing", landing, "--data-dir", join(root, "state"), "--json"],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  // The phase the run is in, from its progress lines: ingestion until the pipeline starts, then
  // the state last started. Each phase's peak is the highest resident set sampled during it.
  let phase = "ingest";
  const phasePeaks = new Map<string, number>();
  let pending = "";
  child.stderr.on("data", (chunk: Buffer) => {
    process.stderr.write(chunk);
    pending += chunk.toString();
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      const started = /^\s*▶ (\w+)/.exec(line)?.[1];
      if (started) phase = started;
    }
  });
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  // VmHWM is the process's peak resident set so far: sampled until it exits.
  let peak = 0;
  const sample = setInterval(async () => {
    const status = await readFile(`/proc/${child.pid}/status`, "utf8").catch(() => "");
    const kilobytes = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
    peak = Math.max(peak, kilobytes * 1024);
    const resident = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
    phasePeaks.set(phase, Math.max(phasePeaks.get(phase) ?? 0, resident));
  }, 100);
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  clearInterval(sample);
  const summary = JSON.parse(stdout) as {
    totals: { recordsIn: number; recordsBronze: number; filesFailed: number };
    pipeline: { status: string; silver: { newRows: number } | null };
  };
  const result = {
    files,
    bytes: total,
    records: summary.totals.recordsIn,
    // PlanSilver tallies every bronze row a few row groups at a time: none may be missed or read twice.
    silverNewRows: summary.pipeline.silver?.newRows ?? null,
    exitCode: code,
    pipeline: summary.pipeline.status,
    seconds: Math.round((Date.now() - started) / 100) / 10,
    peakRssMB: Math.round(peak / 1024 ** 2),
    limitMB: LIMIT_BYTES / 1024 ** 2,
    withinLimit: peak < LIMIT_BYTES,
    // Sampled every 100 ms, so a phase shorter than that may be missing or under-read.
    peakRssMBByPhase: Object.fromEntries(
      [...phasePeaks].sort(([, a], [, b]) => b - a).map(([name, bytes]) => [name, Math.round(bytes / 1024 ** 2)]),
    ),
  };
  console.log(JSON.stringify(result));
  if (code !== 0 || !result.withinLimit || result.silverNewRows !== summary.totals.recordsBronze) process.exitCode = 1;
} finally {
  await rm(root, { recursive: true, force: true });
}
