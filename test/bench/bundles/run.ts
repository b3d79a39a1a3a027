/**
 * Bundle benchmark (issue 18): every declared function's handler bundled as SST deploys it
 * (esbuild, ESM for Node 22, minified, the AWS SDK external: Lambda's Node runtime ships it),
 * its size and the packages that weigh most in it, and its cold init: the time a fresh node
 * process takes to import the bundle (what Lambda's init phase runs), median of `--repeat`.
 *
 *   npx tsx test/bench/bundles/run.ts [--repeat 5] [--json] [--inputs 15]
 *
 * Then the ingest bundle's heaviest input files (esbuild's metafile), `--inputs` of them: what
 * to cut next.
 *
 * Goal: the ingest handler ≤ 250 KB minified.
 */
import { execFile } from "node:child_process";
import { mkdir, rm, stat } from "node:fs/promises";
import { loadavg } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { FunctionName } from "@medallion/stacks/functions";
import { functions } from "@medallion/stacks/functions";
import { bundleLikeLambda } from "@medallion/testing/bundle";
import { median } from "../ingest/measure";

const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const repeat = Number(option("--repeat") ?? 5);
const asJson = args.includes("--json");
const inputCount = Number(option("--inputs") ?? 15);
const INGEST_GOAL_KB = 250;
const root = join(import.meta.dirname, "..", "..", "..");
// Inside the repository, so the bundles resolve the external AWS SDK from its node_modules.
const dir = join(root, "node_modules", ".cache", "medallion-bench-bundles");

// Each link as SST sets it, with a made-up name: handlers read their links when loaded.
const env: Record<string, string> = {
  ...process.env,
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "bench",
  AWS_SECRET_ACCESS_KEY: "bench",
  POWERTOOLS_METRICS_DISABLED: "true",
  SST_RESOURCE_App: JSON.stringify({ name: "medallion", stage: "bench" }),
};
for (const declaration of Object.values(functions))
  for (const link of declaration.links)
    env[`SST_RESOURCE_${link}`] = JSON.stringify({ name: `bench-${link}`, type: "sst.aws.Bucket" });

/** Bundles one handler file; returns its size and the heaviest packages in it. */
async function bundle(
  file: string,
): Promise<{ path: string; bytes: number; heaviest: string[]; inputs: [string, number][] }> {
  const path = join(dir, `${file}.mjs`);
  const metafile = await bundleLikeLambda(join(root, "packages", "functions", "src", `${file}.ts`), path, {
    deployed: true,
  });
  const byPackage = new Map<string, number>();
  const inputs: [string, number][] = [];
  for (const output of Object.values(metafile.outputs))
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      inputs.push([input, bytesInOutput]);
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      const name = match ? match[1]! : input.startsWith("packages/") ? input.split("/").slice(0, 2).join("/") : input;
      byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
    }
  const heaviest = [...byPackage]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([name, bytes]) => `${name} ${Math.round(bytes / 1024)}`);
  inputs.sort((a, b) => b[1] - a[1]);
  return { path, bytes: (await stat(path)).size, heaviest, inputs };
}

// Init as Lambda runs it: a fresh process imports the handler module; its time to import.
async function coldInitMs(path: string): Promise<number> {
  const script = `const t = performance.now(); await import(${JSON.stringify(path)}); process.stdout.write(String(performance.now() - t));`;
  const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], { env });
  return Number(stdout);
}

await mkdir(dir, { recursive: true });
const rows: Record<string, string | number>[] = [];
let ingestInputs: [string, number][] = [];
const load = loadavg()[0]!;
try {
  const files = [...new Set(Object.values(functions).map((d) => d.handler.split(".")[0]!))];
  const bundles = new Map<string, Awaited<ReturnType<typeof bundle>>>();
  for (const file of files) bundles.set(file, await bundle(file));
  ingestInputs = bundles.get(functions.Ingest.handler.split(".")[0]!)!.inputs.slice(0, inputCount);
  const inits = new Map<string, number[]>(files.map((file) => [file, []]));
  // Rounds over every bundle in turn, so a drift of the machine's speed spreads over all of them.
  for (let r = 0; r < repeat; r++)
    for (const file of files) inits.get(file)!.push(await coldInitMs(bundles.get(file)!.path));
  for (const name of Object.keys(functions) as FunctionName[]) {
    const file = functions[name].handler.split(".")[0]!;
    const built = bundles.get(file)!;
    rows.push({
      function: name,
      file: `${file}.ts`,
      KB: Math.round(built.bytes / 1024),
      coldInitMs: Math.round(median(inits.get(file)!)),
      heaviestKB: built.heaviest.join(", "),
    });
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
if (asJson) console.log(JSON.stringify({ loadAverage: load, rows, ingestInputs }, null, 2));
else {
  console.table(rows);
  console.log("the ingest bundle's heaviest inputs (bytes in the minified output):");
  for (const [input, bytes] of ingestInputs) console.log(`${String(bytes).padStart(8)}  ${input}`);
  const ingest = rows.find((row) => row.function === "Ingest")!;
  console.log(
    `load average ${load.toFixed(1)}; ingest bundle ${ingest.KB} KB minified (goal ≤ ${INGEST_GOAL_KB} KB), cold init ${ingest.coldInitMs} ms (median of ${repeat})`,
  );
}
