import { stat } from "node:fs/promises";
import { join } from "node:path";
import type { MonthlyEstimate } from "@medallion/core/cost";
import { addUsage, formatUsd, monthlyEstimate } from "@medallion/core/cost";
import { knownDatasets } from "@medallion/core/dataset";
import { archiveKeyOf } from "@medallion/core/ingest";
import { listJourneys } from "@medallion/core/journey";
import { listLedger } from "@medallion/core/ledger";
import { localNames, localS3Directory } from "../services/names";
import { datasetNamed } from "./datasets";
import { UsageError } from "./errors";
import type { CommandContext } from "./index";
import { withTables } from "./lake";

/** What `medallion cost --json` prints. */
export type CostJson = MonthlyEstimate & { datasets: string[] };

/**
 * The monthly estimate of `medallion cost`: the usage recorded in the data directory's completed
 * runs (their journeys' steps), the landing files those runs consolidated and their bytes (the
 * archived landing objects), priced at the volume asked for.
 * @param options data directory, volume, and the dataset (default: all)
 */
export async function costCommand({
  dataDir,
  filesPerDay,
  mbPerFile,
  dataset,
}: {
  dataDir: string;
  filesPerDay: number;
  mbPerFile: number;
  dataset?: string;
}): Promise<CostJson | null> {
  const datasets = dataset ? [dataset] : Object.keys(knownDatasets());
  const { journeys, entries } = await withTables(dataDir, "cost", async ({ doc, names }) => ({
    journeys: await listJourneys({ doc, table: names.JourneyControl! }),
    entries: (await Promise.all(datasets.map((name) => listLedger(doc, names.Ledger!, name)))).flat(),
  }));
  const runs = journeys.filter(
    (journey) =>
      journey.status === "completed" &&
      datasets.includes(String(journey.metadata.dataset)) &&
      journey.steps.some((step) => step.usage),
  );
  if (runs.length === 0) return null;
  const consolidated = entries.filter((entry) => entry.status === "silver");
  const landing = join(localS3Directory(dataDir), localNames().Landing!);
  let bytes = 0;
  for (const entry of consolidated) {
    const archived = `${join(landing, ...archiveKeyOf(entry.source_key, "done").split("/"))}._S3rver_object`;
    bytes += await stat(archived).then(
      (found) => found.size,
      () => 0,
    );
  }
  const usage = addUsage(...runs.flatMap((run) => run.steps.map((step) => step.usage)));
  return {
    datasets,
    ...monthlyEstimate({
      filesPerDay,
      mbPerFile,
      measured: { runs: runs.length, files: consolidated.length, bytes, usage },
    }),
  };
}

/**
 * The text `medallion cost` prints.
 * @param estimate what {@link costCommand} computed
 */
export function costText(estimate: CostJson): string {
  const m = estimate.monthly;
  const gb = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GB`;
  const saving = estimate.glueMonthlyUsd - m.total;
  return [
    `Monthly estimate for ${estimate.filesPerMonth.toLocaleString("en")} files (${gb(estimate.bytesPerMonth)}) of ${estimate.datasets.join(", ")}, ${estimate.runsPerMonth} runs a month (hourly + daily D-1)`,
    `  measured from   ${estimate.measured.runs} completed run(s): ${estimate.measured.files} file(s), ${(estimate.measured.bytes / 1024).toFixed(1)} KB`,
    `  Athena          ${formatUsd(m.athena)}`,
    `  Lambda          ${formatUsd(m.lambda)}`,
    `  Step Functions  ${formatUsd(m.stepFunctions)}`,
    `  S3 requests     ${formatUsd(m.s3)}`,
    `  DynamoDB        ${formatUsd(m.dynamodb)}`,
    `  this design     ${formatUsd(m.total)} a month`,
    `  the Glue job    ${formatUsd(estimate.glueMonthlyUsd)} a month for the same volume ($53.70 for 3,000 files, ~20 GB)`,
    `  difference      ${saving >= 0 ? `${formatUsd(saving)} less` : `${formatUsd(-saving)} more`} a month (storage, the same for both, not included)`,
  ].join("\n");
}

/** `medallion cost`: checks the volume, then prints the estimate. */
export async function execute(context: CommandContext): Promise<number> {
  const { values, out } = context;
  const positive = (text: string | undefined, flag: string): number => {
    const value = Number(text);
    if (text === undefined || !Number.isFinite(value) || value <= 0)
      throw new UsageError(
        `medallion cost needs ${flag} <number above 0>${text === undefined ? "" : ` (got "${text}")`}`,
      );
    return value;
  };
  const filesPerDay = positive(values["files-per-day"], "--files-per-day");
  const mbPerFile = positive(values["mb-per-file"], "--mb-per-file");
  const dataset = values.dataset === undefined ? undefined : datasetNamed(values.dataset).name;
  const estimate = await costCommand({ dataDir: context.dataDir, filesPerDay, mbPerFile, dataset });
  if (!estimate) {
    const error = {
      name: "NoRunsMeasured",
      message: "no completed run recorded its usage yet: medallion run --sample records one",
    };
    if (context.json) out.json({ error });
    else out.note(`medallion cost: ${error.message}`);
    return 1;
  }
  if (context.json) out.json(estimate);
  else out.print(costText(estimate));
  return 0;
}
