import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { DatasetSpec } from "@medallion/core/dataset";
import type { SqlEngine } from "@medallion/core/engine";
import { athenaEngine } from "@medallion/core/engine";
import type { GoldSummary, OptimizeSummary } from "@medallion/core/gold";
import { GoldSpecError, goldSpecOf, goldSteps, hasGold, mergeGold, optimizeGold } from "@medallion/core/gold";
import { metricNames } from "@medallion/core/metrics";
import type { SilverPlan } from "@medallion/core/silver";
import { loadSilverPlan, silverTableOf } from "@medallion/core/silver";
import type { TableRef } from "@medallion/core/sql";
import { z } from "zod";
import { logStep } from "./journey";
import { clients } from "./shared/clients";
import { linked, linkedResource } from "./shared/config";
import { datasets, once, specOf } from "./shared/datasets";
import { lambdaHandler } from "./shared/handler";
import { logger, publishMetric } from "./shared/observability";

// The gold tasks of the pipeline's state machine: `merge` after silver's commit (with the
// partitions silver rewrote), and `optimize` on a schedule.

/** What the gold handlers need; the AWS wiring is below, the embedded stack passes its own. */
export interface GoldDependencies {
  engine: SqlEngine;
  datasets: Record<string, DatasetSpec>;
  /** The lake's silver table of a dataset, as the engine names it (a spec's target table overrides it). */
  silverTable(dataset: string): TableRef;
  /** Reads a silver plan the pipeline stored, for a merge event that names one by its key. */
  loadPlan?(key: string): Promise<SilverPlan>;
  /** Gold database; default each gold spec's. */
  database?: string;
  /** `s3://<gold bucket>/`: where Athena creates Iceberg tables. */
  warehouse?: string;
  doc: DynamoDBDocumentClient;
  congregadoTable: string;
  /** Journey table, where each gold table's step is recorded when the event names a journey. */
  journeyTable?: string;
}

const partition = z.record(z.string(), z.union([z.number(), z.string()]));

const mergeEvent = z.object({
  dataset: z.string().min(1),
  /** Silver partitions the run rewrote: the silver plan's `partitions` (or just their values). */
  partitions: z.array(z.union([z.looseObject({ values: partition }), partition])).optional(),
  /** Or the stored silver plan whose partitions were rewritten (what the pipeline passes: its state stays small). */
  plan_key: z.string().min(1).optional(),
  /** When given, each gold table's merge is recorded as a step of this journey. */
  journey_id: z.string().min(1).optional(),
  run_id: z.string().min(1).optional(),
});

const optimizeEvent = z.object({ dataset: z.string().min(1) });

/**
 * Builds the gold handlers over a set of dependencies, resolved on first use.
 * @param dependencies engine, datasets, table names, congregado store
 */
export function goldHandlers(dependencies: () => GoldDependencies) {
  const deps = once(dependencies);
  return {
    /** `{ dataset, partitions }` → every gold table merged and its congregado saved; rows inserted/updated per table. */
    merge: lambdaHandler(
      mergeEvent,
      async ({ dataset, plan_key, journey_id, run_id, ...event }): Promise<GoldSummary> => {
        const d = deps();
        if (!event.partitions && !(plan_key && d.loadPlan))
          throw new GoldSpecError("a gold merge needs the silver partitions, or the key of a stored silver plan");
        const partitions = event.partitions ?? (await d.loadPlan!(plan_key!)).partitions;
        const startedAt = Date.now();
        const spec = specOf(d.datasets, dataset, (message) => new GoldSpecError(message));
        if (!hasGold(spec)) {
          logger.info("dataset has no gold tables; nothing to merge", { dataset });
          return { dataset, tables: [] };
        }
        const summary = await mergeGold({
          engine: d.engine,
          spec,
          partitions,
          silver: silverTableOf(spec, d.silverTable(dataset)),
          ...(d.database === undefined ? {} : { database: d.database }),
          ...(d.warehouse === undefined ? {} : { warehouse: d.warehouse }),
          congregado: { doc: d.doc, table: d.congregadoTable },
        });
        const total = (count: "inserted" | "updated" | "deleted") => summary.tables.reduce((n, t) => n + t[count], 0);
        publishMetric(metricNames.GoldRowsInserted, total("inserted"), dataset);
        publishMetric(metricNames.GoldRowsUpdated, total("updated"), dataset);
        publishMetric(metricNames.GoldRowsDeleted, total("deleted"), dataset);
        for (const step of goldSteps({ summary, startedAt })) {
          await logStep({ doc: d.doc, table: d.journeyTable, journeyId: journey_id, runId: run_id, step });
        }
        return summary;
      },
    ),
    /** `{ dataset }` → OPTIMIZE and VACUUM of each gold table, re-run while Athena asks for more. */
    optimize: lambdaHandler(optimizeEvent, async ({ dataset }): Promise<OptimizeSummary[]> => {
      const d = deps();
      const spec = specOf(d.datasets, dataset, (message) => new GoldSpecError(message));
      if (!hasGold(spec)) return [];
      const summary = await optimizeGold({
        engine: d.engine,
        gold: goldSpecOf(spec),
        ...(d.database === undefined ? {} : { database: d.database }),
      });
      logger.info("gold maintained", { dataset, tables: summary });
      return summary;
    }),
  };
}

/** The Glue databases and Athena workgroup, linked from infra/catalog.ts as `GoldCatalog`. */
interface GoldCatalogLink {
  goldDatabase: string;
  silverDatabase: string;
  workGroup: string;
}

// On AWS: Athena MERGE into Iceberg tables in the gold bucket.
const aws = goldHandlers(() => {
  const link = linkedResource<GoldCatalogLink>("GoldCatalog", "workGroup");
  return {
    engine: athenaEngine({ client: clients.athena, workGroup: link.workGroup, database: link.goldDatabase }),
    datasets: datasets(),
    silverTable: (dataset) => ({ database: link.silverDatabase, name: dataset }),
    loadPlan: (key) => loadSilverPlan({ s3: clients.s3, bucket: linked("Silver"), key }),
    database: link.goldDatabase,
    warehouse: `s3://${linked("Gold")}/`,
    doc: clients.doc,
    congregadoTable: linked("Congregado"),
    journeyTable: linked("JourneyControl"),
  };
});

export const { merge, optimize } = aws;
