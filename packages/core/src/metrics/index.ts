/**
 * Every metric the handlers publish, declared once: the handlers emit them by these names
 * (Powertools Metrics, CloudWatch embedded metric format) and infra's dashboard and alarms read
 * them by the same names, so a chart can never watch a metric nobody emits.
 */

/** The CloudWatch namespace of every medallion metric. */
export const METRICS_NAMESPACE = "Medallion";

/** The `service` dimension Powertools adds to every metric (its service name). */
export const METRICS_SERVICE = "medallion";

/** Units, as CloudWatch (and Powertools' `MetricUnit`) spell them. */
export type MetricUnitName = "Count" | "Milliseconds" | "Bytes";

/** What one metric is: its unit, and whether it is published per dataset (a `dataset` dimension). */
export interface MetricDeclaration {
  unit: MetricUnitName;
  perDataset: boolean;
  /** What it counts, for the dashboard's readers. */
  description: string;
}

/** Every metric, by name. */
export const metricDeclarations = {
  FilesIngested: { unit: "Count", perDataset: true, description: "landing files ingested (one per file)" },
  RecordsIn: { unit: "Count", perDataset: true, description: "records read from landing files" },
  RecordsBronze: { unit: "Count", perDataset: true, description: "records written to bronze" },
  RecordsQuarantined: { unit: "Count", perDataset: true, description: "records sent to quarantine" },
  FilesQuarantined: { unit: "Count", perDataset: true, description: "landing files quarantined whole" },
  IngestDuration: { unit: "Milliseconds", perDataset: true, description: "time to ingest one landing file" },
  SilverPartitionsRewritten: { unit: "Count", perDataset: true, description: "silver partitions rewritten" },
  SilverRowsIn: { unit: "Count", perDataset: true, description: "new bronze rows consolidated" },
  SilverRowsOut: { unit: "Count", perDataset: true, description: "silver rows written" },
  SilverDuplicatesRemoved: { unit: "Count", perDataset: true, description: "duplicates removed by silver" },
  GoldRowsInserted: { unit: "Count", perDataset: true, description: "gold rows inserted by MERGE" },
  GoldRowsUpdated: { unit: "Count", perDataset: true, description: "gold rows updated by MERGE" },
  GoldRowsDeleted: { unit: "Count", perDataset: true, description: "gold rows deleted by MERGE" },
  JourneyStarted: { unit: "Count", perDataset: true, description: "pipeline runs started" },
  JourneyResumed: { unit: "Count", perDataset: true, description: "pipeline runs resumed after a failure" },
  JourneyDuplicate: { unit: "Count", perDataset: true, description: "runs of a window already completed" },
  JourneyCompleted: { unit: "Count", perDataset: true, description: "pipeline runs completed" },
  JourneyFailed: { unit: "Count", perDataset: true, description: "pipeline runs failed" },
  JourneyDuration: { unit: "Milliseconds", perDataset: true, description: "a run's time, start to end" },
  AthenaBytesScanned: {
    unit: "Bytes",
    perDataset: true,
    description: "bytes a run's Athena queries scanned (DataScannedInBytes), published as the run ends",
  },
  StepsRecorded: { unit: "Count", perDataset: false, description: "journey steps recorded" },
  StepDuration: { unit: "Milliseconds", perDataset: false, description: "a step's duration (by layer, status)" },
  RecordsProcessed: { unit: "Count", perDataset: false, description: "records into a step (by layer, status)" },
  RecordsOut: { unit: "Count", perDataset: false, description: "records out of a step (by layer, status)" },
  RecordsInvalid: { unit: "Count", perDataset: false, description: "invalid records of a step" },
  LandingRedriven: { unit: "Count", perDataset: false, description: "lost landing files re-driven" },
  RecordsRedriven: {
    unit: "Count",
    perDataset: true,
    description: "quarantined records a redrive moved to bronze",
  },
  FilesRedriven: { unit: "Count", perDataset: true, description: "files quarantined whole a redrive read again" },
  FilesSetAside: {
    unit: "Count",
    perDataset: true,
    description: "files set aside: their data failed a plan alone, after failing before",
  },
  PlansFailed: {
    unit: "Count",
    perDataset: true,
    description: "silver plans that failed from their data: counted on their files, then planned again without them",
  },
  SetAsideRedriven: { unit: "Count", perDataset: true, description: "set-aside files a redrive made pending again" },
  LandingAbandoned: { unit: "Count", perDataset: false, description: "landing files given up on" },
  PagesPulled: { unit: "Count", perDataset: false, description: "HTTP source pages pulled" },
  RecordsPulled: { unit: "Count", perDataset: false, description: "HTTP source records pulled" },
} as const satisfies Record<string, MetricDeclaration>;

/** A metric's name. */
export type MetricName = keyof typeof metricDeclarations;

/** Metric names by name, so callers write `metricNames.RecordsIn`, never the string. */
export const metricNames = Object.fromEntries(Object.keys(metricDeclarations).map((name) => [name, name])) as {
  [N in MetricName]: N;
};
