import type { RedriveSummary } from "@medallion/core/redrive";
import { DEFAULT_DATASET, datasetNamed } from "./datasets";
import type { ErrorJson } from "./errors";
import { UsageError } from "./errors";
import type { PipelineSummary } from "./execution";
import { summarisePipeline } from "./execution";
import type { CommandContext } from "./index";
import { withStack } from "./lake";
import { redriveOnStage } from "./redrive-stage";
import { redrivenFiles, redriveTotals } from "./redrive-summary";

/** What `medallion redrive --json` prints: the redrive, then the run that consolidated what it recovered. */
export interface RedriveJson extends RedriveSummary {
  /** The pipeline run that took the recovered records to silver and gold; null when nothing was recovered. */
  pipeline: PipelineSummary | null;
  error: ErrorJson | null;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * `medallion redrive`: tries a dataset's quarantined records (of files ingested in [from, to])
 * again under the current spec, and puts its set-aside files back to pending, through the deployed `Redrive` function's handler; what now
 * passes goes to bronze as new parts with lineage and is consolidated by the next run.
 */
export async function execute(context: CommandContext): Promise<number> {
  const { values, out } = context;
  if (context.positionals.length)
    throw new UsageError(`medallion redrive takes no arguments (got "${context.positionals.join(" ")}")`);
  const dataset = datasetNamed(values.dataset ?? DEFAULT_DATASET).name;
  const { from, to } = values;
  for (const [flag, day] of [
    ["--from", from],
    ["--to", to],
  ] as const)
    if (day !== undefined && (!DAY.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`))))
      throw new UsageError(`${flag} ${day}: expected a date YYYY-MM-DD`);
  if (from && to && from > to) throw new UsageError(`--from ${from} is after --to ${to}: nothing to redrive`);
  // On AWS: the stage's deployed Redrive function, invoked by its fixed name.
  if (values.stage !== undefined) {
    if (values.dataset === undefined) throw new UsageError("medallion redrive --stage needs --dataset <name>");
    return redriveOnStage({ dataset, from, to, stage: values.stage, out, json: context.json });
  }
  return withStack(context, "redrive", async (stack) => {
    out.note(`Redriving ${dataset}${from || to ? ` (ingested ${from ?? "from the start"} to ${to ?? "now"})` : ""}…`);
    const event = { dataset, ...(from ? { from } : {}), ...(to ? { to } : {}) };
    const redriven = (await stack.invoke("Redrive", event)) as RedriveSummary;
    for (const line of redrivenFiles(redriven)) out.note(line);
    // What was recovered is pending in the ledger: the same run as a schedule's takes it to silver and gold.
    let pipeline: PipelineSummary | null = null;
    if (redriven.records.recovered > 0 || redriven.failedFiles.recovered > 0 || redriven.setAside.length > 0) {
      out.note(`Consolidating the recovered records of ${dataset}…`);
      const outcome = await stack.execute({ dataset, window: "hourly" }, (state) => {
        if (state.event === "entered") out.note(`  ▶ ${state.state}`);
      });
      pipeline = summarisePipeline(outcome, { dataset, window: "hourly", at: new Date().toISOString() });
    }
    const summary: RedriveJson = { ...redriven, pipeline, error: pipeline?.error ?? null };
    if (context.json) out.json(summary);
    else {
      out.print(
        redriveTotals(
          summary,
          pipeline
            ? pipeline.error
              ? `FAILED at ${pipeline.error.step}: ${pipeline.error.name}: ${pipeline.error.message}`
              : pipeline.status
            : "not run (nothing recovered)",
        ).join("\n"),
      );
    }
    return summary.error ? 1 : 0;
  });
}
