import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { S3Client } from "@aws-sdk/client-s3";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { DatasetSpec } from "@medallion/core/dataset";
import type { SqlEngine } from "@medallion/core/engine";
import { athenaEngine } from "@medallion/core/engine";
import type { PartitionCatalog, SilverLake, SilverPlanPayload, SilverSummary } from "@medallion/core/silver";
import {
  athenaCatalog,
  commitSilver,
  dynamoSilverLedger,
  finishSilver,
  planSilver,
  SilverSpecError,
  silverPlanPayloadSchema,
} from "@medallion/core/silver";
import { renderAthena } from "@medallion/core/sql";
import { z } from "zod";
import { clients } from "./shared/clients";
import { linked, linkedResource } from "./shared/config";
import { datasets, once, specOf } from "./shared/datasets";
import { lambdaHandler } from "./shared/handler";
import { logger, metrics } from "./shared/observability";

// The silver tasks of the pipeline's state machine: plan → (Athena runs `queries` through
// Step Functions' startQueryExecution.sync, so no Lambda waits) → commit → (gold) → finish.

/** What the silver handlers need; the AWS wiring is below, the embedded stack passes its own. */
export interface SilverDependencies {
  buckets: SilverLake["buckets"];
  /** The bronze and silver tables of a dataset. */
  tables(dataset: string): SilverLake["tables"];
  s3: S3Client;
  doc: DynamoDBDocumentClient;
  ledgerTable: string;
  engine: SqlEngine;
  catalog: PartitionCatalog;
  datasets: Record<string, DatasetSpec>;
}

const datasetEvent = z.object({ dataset: z.string().min(1) });

function report(summary: SilverSummary): void {
  logger.info("silver consolidated", { ...summary });
  metrics.addMetric("SilverPartitionsRewritten", MetricUnit.Count, summary.partitionsRewritten);
  metrics.addMetric("SilverRowsIn", MetricUnit.Count, summary.rowsIn);
  metrics.addMetric("SilverRowsOut", MetricUnit.Count, summary.rowsOut);
  metrics.addMetric("SilverDuplicatesRemoved", MetricUnit.Count, summary.duplicatesRemoved);
}

/**
 * Builds the silver handlers over a set of dependencies, resolved on first use.
 * @param dependencies clients, engine, catalog, lake names and datasets
 */
export function silverHandlers(dependencies: () => SilverDependencies) {
  const deps = once(dependencies);
  const common = (dataset: string) => {
    const d = deps();
    return {
      spec: specOf(d.datasets, dataset, (message) => new SilverSpecError(message)),
      ledger: dynamoSilverLedger({ doc: d.doc, table: d.ledgerTable }),
      s3: d.s3,
      catalog: d.catalog,
      buckets: d.buckets,
      tables: d.tables(dataset),
    };
  };
  return {
    /** `{ dataset }` → the plan, with its statements rendered as Athena SQL in `queries`. */
    plan: lambdaHandler(datasetEvent, async ({ dataset }): Promise<SilverPlanPayload> => {
      // When silver's work began: the start of the journey step the pipeline records.
      const planned_at = new Date().toISOString();
      const plan = await planSilver(common(dataset));
      logger.info("silver planned", {
        dataset,
        version: plan.version,
        files: plan.files.length,
        partitions: plan.partitions.length,
      });
      // Only what commit and finish need of each entry: keeps the state small (Step Functions caps it at 256 KB).
      const files = plan.files.map(({ dataset: d, file_id, bronze_key }) => ({ dataset: d, file_id, bronze_key }));
      return { ...plan, files, queries: plan.statements.map(renderAthena), planned_at };
    }),
    /**
     * A plan whose statements ran → catalog swapped; its ledger entries stay pending until
     * `finish`, after gold, so a failure in between is redone whole.
     */
    commit: lambdaHandler(silverPlanPayloadSchema, async (plan): Promise<SilverSummary> => {
      const summary = await commitSilver({ ...common(plan.dataset), plan });
      report(summary);
      return summary;
    }),
    /** After gold: the plan's ledger entries marked consolidated, expired versions deleted. */
    finish: lambdaHandler(silverPlanPayloadSchema, async (plan) => {
      const { versionsExpired } = await finishSilver({ ...common(plan.dataset), plan });
      logger.info("silver finished", {
        dataset: plan.dataset,
        version: plan.version,
        files: plan.files.length,
        versionsExpired,
      });
      return { dataset: plan.dataset, version: plan.version, filesConsolidated: plan.files.length, versionsExpired };
    }),
  };
}

/** The Glue databases and Athena workgroup, linked from infra/catalog.ts as `SilverCatalog`. */
interface CatalogLink {
  bronzeDatabase: string;
  silverDatabase: string;
  workGroup: string;
}

// On AWS: Athena over the Glue catalog.
const aws = silverHandlers(() => {
  const link = linkedResource<CatalogLink>("SilverCatalog", "workGroup");
  const engine = athenaEngine({ client: clients.athena, workGroup: link.workGroup });
  return {
    s3: clients.s3,
    doc: clients.doc,
    ledgerTable: linked("Ledger"),
    engine,
    catalog: athenaCatalog({ engine }),
    datasets: datasets(),
    buckets: { bronze: linked("Bronze"), silver: linked("Silver") },
    tables: (dataset) => ({
      bronze: { database: link.bronzeDatabase, name: dataset },
      silver: { database: link.silverDatabase, name: dataset },
    }),
  };
});

export const { plan, commit, finish } = aws;
