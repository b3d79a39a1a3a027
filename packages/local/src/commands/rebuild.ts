import { createHash } from "node:crypto";
import { knownDatasets } from "@medallion/core/dataset";
import { appliedSchemaOf, schemaHash } from "@medallion/core/schema";
import type { SilverRebuild } from "@medallion/core/silver";
import { silverColumns } from "@medallion/core/silver";
import { quoteIdentifier } from "@medallion/core/sql";
import type { LocalStack } from "../stack";
import { DEFAULT_DATASET, datasetNamed } from "./datasets";
import { UsageError } from "./errors";
import type { PipelineSummary } from "./execution";
import { summarisePipeline } from "./execution";
import type { CommandContext } from "./index";
import { withStack } from "./lake";
import { exitCodeOf } from "./schema";

/** Silver's size: partitions and rows. */
export interface SilverSize {
  partitions: number;
  rows: number;
}

/** What `medallion rebuild` did: the document `--json` prints. */
export interface RebuildSummary {
  dataset: string;
  rebuild: SilverRebuild;
  before: SilverSize;
  after: SilverSize;
  pipeline: PipelineSummary;
  error: PipelineSummary["error"];
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * `medallion rebuild`: recomputes silver (the range's partitions, or all) from every bronze file
 * under the current spec, then the gold windows they feed; applies spec changes a run refuses.
 */
export async function execute(context: CommandContext): Promise<number> {
  const { values, out } = context;
  const dataset = datasetNamed(values.dataset ?? DEFAULT_DATASET).name;
  const { from, to } = values;
  for (const [flag, day] of [
    ["--from", from],
    ["--to", to],
  ] as const)
    if (day !== undefined && (!DAY.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`))))
      throw new UsageError(`${flag} ${day}: expected a date YYYY-MM-DD`);
  if (from && to && from > to) throw new UsageError(`--from ${from} is after --to ${to}: nothing to rebuild`);
  const spec = knownDatasets()[dataset]!;
  // The rebuild is named by what it does: the same range under the same spec resumes (or is
  // already done); another spec is another rebuild.
  const id = createHash("sha256")
    .update(JSON.stringify([dataset, from ?? null, to ?? null, schemaHash(appliedSchemaOf(spec))]))
    .digest("hex")
    .slice(0, 16);
  const rebuild: SilverRebuild = { id, ...(from ? { from } : {}), ...(to ? { to } : {}) };
  return withStack(context, "rebuild", async (stack) => {
    const before = await silverSize(stack, dataset);
    out.note(
      `Rebuilding ${dataset}${from || to ? ` from ${from ?? "the start"} to ${to ?? "the end"}` : ""} (rebuild ${id})…`,
    );
    const request = { dataset, window: "hourly" as const, rebuild };
    const outcome = await stack.execute(request, (event) => {
      if (event.event === "entered") out.note(`  ▶ ${event.state}`);
    });
    const pipeline = summarisePipeline(outcome, { dataset, window: "hourly", at: new Date().toISOString() });
    const summary: RebuildSummary = {
      dataset,
      rebuild,
      before,
      after: await silverSize(stack, dataset),
      pipeline,
      error: pipeline.error,
    };
    if (context.json) out.json(summary);
    else
      out.print(
        pipeline.error
          ? `medallion rebuild: ${dataset} FAILED at ${pipeline.error.step}: ${pipeline.error.name}: ${pipeline.error.message}`
          : `medallion rebuild: ${dataset}${pipeline.alreadyCompleted ? " (already rebuilt under this spec)" : ""}: silver ${before.partitions} partition(s), ${before.rows} row(s) before; ${summary.after.partitions} partition(s), ${summary.after.rows} row(s) after`,
      );
    return exitCodeOf(summary);
  });
}

// Partitions and rows of a dataset's silver, as readers see it.
async function silverSize(stack: LocalStack, dataset: string): Promise<SilverSize> {
  const spec = knownDatasets()[dataset]!;
  const keys = silverColumns(spec)
    .partition.map(({ name }) => quoteIdentifier(name))
    .join(", ");
  const { rows } = await stack.engine.sql(
    `SELECT count(DISTINCT (${keys})) AS partitions, count(*) AS rows FROM silver.${quoteIdentifier(dataset)}`,
  );
  return { partitions: Number(rows[0]?.partitions ?? 0), rows: Number(rows[0]?.rows ?? 0) };
}
