/**
 * A/B of our conversion between two builds of core: this working tree against a git ref
 * (default `main`), each bundled like a Lambda with this tree's ours.ts (the same harness for
 * both) and run on the same generated file, alternating, each run its own process. Which build
 * runs first in a pair takes turns, and only medians of many alternating runs are worth
 * comparing: this machine's speed drifts by a quarter within minutes. CPU time (both threads)
 * is reported beside wall time: it is less swayed by what else the machine runs. The verdict
 * is the median of the rounds' head/base ratios.
 *
 *   npx tsx test/bench/ingest/ab.ts [--base main] [--records 1000000] [--repeat 7] [--unknown-field]
 *
 * `--unknown-field` gives every record a field the spec does not know, so every line takes
 * the general path (JSON.parse, the record checks, `_extra`) instead of the plain reader.
 */
import { execFileSync } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readdir, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bundleLikeLambda } from "@medallion/testing/bundle";
import { generateTelemetry } from "./generate";
import { measure, median } from "./measure";

type Build = "head" | "base";

const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const base = option("--base") ?? "main";
const records = Number(option("--records") ?? 1_000_000);
const repeat = Number(option("--repeat") ?? 7);
const unknownField = args.includes("--unknown-field");
const root = join(import.meta.dirname, "../../..");

// The base's packages, from git (and this tree's ours.ts beside them), resolving their dependencies from this tree's node_modules,
// except the workspace's own packages (`@medallion/*`), which are the base's.
async function checkOut(ref: string, into: string): Promise<void> {
  await mkdir(into);
  const archive = execFileSync("git", ["-C", root, "archive", "--format=tar", ref, "packages"], { maxBuffer: 1 << 30 });
  execFileSync("tar", ["-x", "-C", into], { input: archive });
  await copyFile(join(import.meta.dirname, "ours.ts"), join(into, "ours.ts"));
  const modules = join(into, "node_modules");
  await mkdir(join(modules, "@medallion"), { recursive: true });
  for (const entry of await readdir(join(root, "node_modules")))
    if (entry !== "@medallion") await symlink(join(root, "node_modules", entry), join(modules, entry));
  for (const name of await readdir(join(into, "packages")))
    await symlink(join(into, "packages", name), join(modules, "@medallion", name));
}

const dir = await mkdtemp(join(tmpdir(), "medallion-bench-ab-"));
try {
  const baseTree = join(dir, "base");
  await checkOut(base, baseTree);
  const bundles: Record<Build, string> = { head: join(dir, "head.mjs"), base: join(dir, "base.mjs") };
  await bundleLikeLambda(join(import.meta.dirname, "ours.ts"), bundles.head);
  await bundleLikeLambda(join(baseTree, "ours.ts"), bundles.base);
  const input = join(dir, "telemetry.ndjson");
  await generateTelemetry(input, records, { unknownField });
  const ms: Record<Build, number[]> = { head: [], base: [] };
  const cpuMs: Record<Build, number[]> = { head: [], base: [] };
  for (let r = 0; r < repeat; r++) {
    const order: Build[] = r % 2 === 0 ? ["base", "head"] : ["head", "base"];
    for (const build of order) {
      const run = await measure([bundles[build], input, join(dir, `${build}.parquet`)], "ours");
      if (run.records !== records) throw new Error(`${build} wrote ${run.records} of ${records} records`);
      ms[build].push(run.ms);
      cpuMs[build].push(run.cpuMs!);
    }
    const seconds = (values: number[]) => `${(values[r]! / 1000).toFixed(2)} s`;
    process.stderr.write(
      `round ${r + 1}/${repeat}: base ${seconds(ms.base)} (CPU ${seconds(cpuMs.base)}), ` +
        `head ${seconds(ms.head)} (CPU ${seconds(cpuMs.head)})\n`,
    );
  }
  // The median of each round's ratio follows the machine's drift better than the ratio of medians.
  const compare = (what: string, values: Record<Build, number[]>) => {
    const [before, after] = [median(values.base), median(values.head)];
    const paired = median(values.head.map((value, r) => value / values.base[r]!));
    const seconds = (value: number) => `${(value / 1000).toFixed(2)} s`;
    return `${what}: base ${seconds(before)}, head ${seconds(after)}; head/base per round ${paired.toFixed(3)}`;
  };
  console.log(
    `${records} records${unknownField ? " (general path)" : ""}, base ${base}, medians of ${repeat} alternating runs`,
  );
  console.log(`  ${compare("wall", ms)}`);
  console.log(`  ${compare("CPU ", cpuMs)}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
