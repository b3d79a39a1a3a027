import type { S3Client } from "@aws-sdk/client-s3";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { DatasetSpec } from "@medallion/core/dataset";
import { markForRebuild } from "@medallion/core/ledger";
import { metricNames } from "@medallion/core/metrics";
import type {
  PartitionCatalog,
  SilverLake,
  SilverPlan,
  SilverPlanPayload,
  SilverSummary,
} from "@medallion/core/silver";
import {
  commitSilver,
  dynamoSilverLedger,
  finishSilver,
  glueCatalog,
  loadSilverPlan,
  planSilver,
  resolveTarget,
  SilverSpecError,
  saveSilverPlan,
  silverCommitEventSchema,
  silverPlanPayloadSchema,
  silverRebuildSchema,
} from "@medallion/core/silver";
import { renderAthena } from "@medallion/core/sql";
import * as z from "zod";
import { clients } from "./shared/clients";
import { linked, linkedResource } from "./shared/config";
import { datasets, once, specOf } from "./shared/datasets";
import { lambdaHandler } from "./shared/handler";
import { logger, publishMetric } from "./shared/observability";

// The silver tasks of the pipeline's state machine: plan (stored in S3; the state carries its
// key) → per statement: query (its Athena text), then Step Functions' startQueryExecution.sync
// runs it, so no Lambda waits → commit → (gold) → finish.

/** What the silver handlers need; the AWS wiring is below, the embedded stack passes its own. */
export interface SilverDependencies {
  buckets: SilverLake["buckets"];
  /** The bronze and silver tables of a dataset. */
  tables(dataset: string): SilverLake["tables"];
  s3: S3Client;
  doc: DynamoDBDocumentClient;
  ledgerTable: string;
  catalog: PartitionCatalog;
  datasets: Record<string, DatasetSpec>;
}

const planEvent = z.object({
  dataset: z.string().min(1),
  /** The rebuild the run is (null for a normal run). */
  rebuild: silverRebuildSchema.nullable().default(null),
});

const rebuildEvent = z.object({ dataset: z.string().min(1), rebuild: silverRebuildSchema });

const queryEvent = z.object({
  plan_key: z.string().min(1),
  index: z.number().int().nonnegative(),
});

function report(summary: SilverSummary): void {
  logger.info("silver consolidated", { ...summary });
  publishMetric(metricNames.SilverPartitionsRewritten, summary.partitionsRewritten, summary.dataset);
  publishMetric(metricNames.SilverRowsIn, summary.rowsIn, summary.dataset);
  publishMetric(metricNames.SilverRowsOut, summary.rowsOut, summary.dataset);
  publishMetric(metricNames.SilverDuplicatesRemoved, summary.duplicatesRemoved, summary.dataset);
}

/**
 * Builds the silver handlers over a set of dependencies, resolved on first use.
 * @param dependencies clients, catalog, lake names and datasets
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
  const stored = (key: string): Promise<SilverPlan> => {
    const d = deps();
    return loadSilverPlan({ s3: d.s3, bucket: d.buckets.silver, key });
  };
  return {
    /** `{ dataset }` → the plan stored in S3, and what the state machine needs of it (its key, its query count). */
    plan: lambdaHandler(planEvent, async ({ dataset, rebuild }): Promise<SilverPlanPayload> => {
      // When silver's work began: the start of the journey step the pipeline records.
      const planned_at = new Date().toISOString();
      const options = common(dataset);
      const plan = await planSilver({ ...options, ...(rebuild ? { rebuild } : {}) });
      // Only what commit and finish need of each entry (finish records the days its rows fall in).
      const files = plan.files.map(({ dataset: d, file_id, bronze_key, partition_days }) => ({
        dataset: d,
        file_id,
        bronze_key,
        partition_days,
      }));
      const plan_key = await saveSilverPlan({
        s3: options.s3,
        bucket: options.buckets.silver,
        plan: { ...plan, files },
      });
      const { table } = resolveTarget({ ...options, bucket: options.buckets.silver, table: options.tables.silver });
      logger.info("silver planned", {
        dataset,
        version: plan.version,
        files: plan.files.length,
        partitions: plan.partitions.length,
        queries: plan.statements.length,
        plan_key,
      });
      return {
        dataset,
        version: plan.version,
        plan_key,
        database: table.database,
        file_count: files.length,
        partition_count: plan.partitions.length,
        queries: plan.statements.map((_, i) => i),
        more: plan.more,
        planned_at,
      };
    }),
    /**
     * `{ dataset, rebuild }` → every bronze file of the dataset pending again under the rebuild's
     * id (those it already took are skipped, so a resumed rebuild goes on where it stopped).
     */
    rebuild: lambdaHandler(rebuildEvent, async ({ dataset, rebuild }) => {
      const d = deps();
      specOf(d.datasets, dataset, (message) => new SilverSpecError(message));
      const files = await markForRebuild(d.doc, d.ledgerTable, dataset, { rebuildId: rebuild.id });
      logger.info("rebuild started", { dataset, ...rebuild, files });
      return { dataset, rebuild: rebuild.id, files };
    }),
    /** `{ plan_key, index }` → `{ sql }`: one of the plan's statements as the Athena text the query state runs. */
    query: lambdaHandler(queryEvent, async ({ plan_key, index }): Promise<{ sql: string }> => {
      const statement = (await stored(plan_key)).statements[index];
      if (!statement) throw new SilverSpecError(`silver plan ${plan_key} has no statement ${index}`);
      return { sql: renderAthena(statement) };
    }),
    /**
     * A plan whose statements ran (`{ plan, queries }`, each query with the rows it wrote) → catalog swapped; its ledger entries stay pending until
     * `finish`, after gold, so a failure in between is redone whole.
     */
    commit: lambdaHandler(silverCommitEventSchema, async ({ plan, queries }): Promise<SilverSummary> => {
      const summary = await commitSilver({
        ...common(plan.dataset),
        plan: await stored(plan.plan_key),
        rowsWritten: queries.reduce((sum, query) => sum + query.Written.Rows, 0),
      });
      report(summary);
      return summary;
    }),
    /** After gold: the plan's ledger entries marked consolidated, expired versions deleted. */
    finish: lambdaHandler(silverPlanPayloadSchema, async (payload) => {
      const plan = await stored(payload.plan_key);
      const { versionsExpired } = await finishSilver({ ...common(plan.dataset), plan });
      logger.info("silver finished", {
        dataset: plan.dataset,
        version: plan.version,
        files: plan.files.length,
        versionsExpired,
      });
      // The plan's key tells the failure path that this plan went through.
      return {
        dataset: plan.dataset,
        version: plan.version,
        plan_key: payload.plan_key,
        filesConsolidated: plan.files.length,
        versionsExpired,
      };
    }),
  };
}

/** The Glue databases and Athena workgroup, linked from infra/catalog.ts as `SilverCatalog`. */
interface CatalogLink {
  bronzeDatabase: string;
  silverDatabase: string;
  workGroup: string;
}

// On AWS: the Glue catalog (Athena runs the plan's statements from the state machine). Each dependency is resolved on first use, so a function
// is linked only to what its handler touches (the query handler reads plans, nothing else).
/** The silver dependencies on AWS, each resolved on first use; the failure path's rollback uses them too. */
export function awsSilverDependencies(): SilverDependencies {
  const link = once(() => linkedResource<CatalogLink>("SilverCatalog", "workGroup"));
  const catalog = once(() => glueCatalog({ glue: clients.glue }));
  return {
    s3: clients.s3,
    doc: clients.doc,
    get ledgerTable() {
      return linked("Ledger");
    },
    get catalog() {
      return catalog();
    },
    datasets: datasets(),
    buckets: {
      get bronze() {
        return linked("Bronze");
      },
      get silver() {
        return linked("Silver");
      },
    },
    tables: (dataset) => ({
      bronze: { database: link().bronzeDatabase, name: dataset },
      silver: { database: link().silverDatabase, name: dataset },
    }),
  };
}

const aws = silverHandlers(awsSilverDependencies);

export const { plan, rebuild, query, commit, finish } = aws;
