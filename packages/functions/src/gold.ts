import type { S3Client } from "@aws-sdk/client-s3";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { athenaStatisticsSchema, athenaUsage } from "@medallion/core/cost";
import type { DatasetSpec } from "@medallion/core/dataset";
import type { SqlEngine } from "@medallion/core/engine";
import { athenaEngine } from "@medallion/core/engine";
import type {
  GoldColumnsReader,
  GoldPlan,
  GoldPlanPayload,
  GoldStepKind,
  GoldSummary,
  OptimizeSummary,
} from "@medallion/core/gold";
import {
  checkGoldResult,
  finishGold,
  GoldSpecError,
  glueGoldColumns,
  goldPlanKeyOf,
  goldSpecOf,
  goldStepReadsRows,
  goldSteps,
  hasGold,
  loadGoldPlan,
  loadGoldResult,
  optimizeGold,
  planGold,
  resultSetRows,
  saveGoldPlan,
  saveGoldResult,
} from "@medallion/core/gold";
import { metricNames } from "@medallion/core/metrics";
import type { SchemaVersionStore } from "@medallion/core/schema";
import { latestSchemaVersion, markTablesApplied, tablesSchemaVersion } from "@medallion/core/schema";
import { loadSilverPlan, silverTableOf } from "@medallion/core/silver";
import type { Statement, TableRef } from "@medallion/core/sql";
import { renderAthena } from "@medallion/core/sql";
import * as z from "zod";
import { logStep } from "./journey";
import { clients } from "./shared/clients";
import { linked, linkedResource } from "./shared/config";
import { datasets, once, specOf } from "./shared/datasets";
import { lambdaHandler } from "./shared/handler";
import { logger, publishMetric } from "./shared/observability";

// The gold tasks of the pipeline's state machine, after silver's commit: `plan` (stored beside
// the silver plan; the state carries its key) → per statement: `query` (its Athena text), then
// Step Functions' startQueryExecution.sync runs it and, for checks, counts and the congregado,
// athena:getQueryResults hands its rows to `result` → `finish` (summary, congregados, journey).
// No Lambda waits for a query. `optimize` runs on a schedule.

/** What the gold handlers need; the AWS wiring is below, the embedded stack passes its own. */
export interface GoldDependencies {
  /** Runs OPTIMIZE and VACUUM; its dialect is the one gold plans are measured in against Athena's limits. */
  engine: SqlEngine;
  datasets: Record<string, DatasetSpec>;
  /** The lake's silver table of a dataset, as the engine names it (a spec's target table overrides it). */
  silverTable(dataset: string): TableRef;
  /** Where silver plans are stored, and gold plans and their statements' rows beside them (the silver bucket). */
  s3: S3Client;
  planBucket: string;
  /** Gold database; default each gold spec's. */
  database?: string;
  /** `s3://<gold bucket>/`: where Athena creates Iceberg tables. */
  warehouse?: string;
  doc: DynamoDBDocumentClient;
  congregadoTable: string;
  /** Journey table, where each gold table's step is recorded when the event names a journey. */
  journeyTable?: string;
  /** Schema-versions table: the version a run works under, and where a plan records the version its ALTERs applied. */
  schemaVersionsTable: string;
  /** The columns the gold tables have now (Glue on AWS, DuckDB's catalog locally): a plan adds only the missing ones. */
  goldColumns: GoldColumnsReader;
}

const planEvent = z.object({
  dataset: z.string().min(1),
  /** The stored silver plan whose partitions were rewritten. */
  plan_key: z.string().min(1),
});

const statementEvent = z.object({ plan_key: z.string().min(1), index: z.number().int().nonnegative() });

const resultEvent = statementEvent.extend({
  /** Athena's result set of the statement (`athena:getQueryResults`, at most `max_rows` rows). */
  result: z.object({
    Rows: z.array(z.object({ Data: z.array(z.object({ VarCharValue: z.string().optional() })).optional() })).optional(),
    ResultSetMetadata: z
      .object({
        ColumnInfo: z.array(z.object({ Name: z.string().optional(), Type: z.string().optional() })).optional(),
      })
      .optional(),
  }),
});

const finishEvent = z.object({
  dataset: z.string().min(1),
  plan_key: z.string().min(1),
  /** When given, each gold table's merge is recorded as a step of this journey. */
  journey_id: z.string().min(1).optional(),
  run_id: z.string().min(1).optional(),
  /** Each statement's Athena statistics, in the plan's order (the state machine's Map result): each table's usage. */
  queries: z.array(athenaStatisticsSchema).optional(),
});

const optimizeEvent = z.object({ dataset: z.string().min(1) });

/** One statement of a gold plan as the Athena states take it. */
export interface GoldStatementText {
  sql: string;
  kind: GoldStepKind;
  /** Whether its rows are read (`athena:getQueryResults`), and at most how many, Athena's header row included. */
  reads: boolean;
  max_rows: number;
}

// A reading statement returns one row (counts) or at most its LIMIT; Athena adds a header row.
const maxRowsOf = (statement: Statement): number =>
  (statement.kind === "query" && statement.query.kind === "select" ? (statement.query.limit ?? 1) : 1) + 1;

/**
 * Builds the gold handlers over a set of dependencies, resolved on first use.
 * @param dependencies engine, datasets, table names, plan bucket, congregado store
 */
export function goldHandlers(dependencies: () => GoldDependencies) {
  const deps = once(dependencies);
  const stored = (key: string): Promise<GoldPlan> => {
    const d = deps();
    return loadGoldPlan({ s3: d.s3, bucket: d.planBucket, key });
  };
  const stepOf = (plan: GoldPlan, key: string, index: number) => {
    const step = plan.steps[index];
    if (!step) throw new GoldSpecError(`gold plan ${key} has no statement ${index}`);
    return step;
  };
  const tablesApplied = async (plan: GoldPlan): Promise<void> => {
    if (!plan.schema) return;
    const d = deps();
    await markTablesApplied({
      doc: d.doc,
      table: d.schemaVersionsTable,
      dataset: plan.dataset,
      version: plan.schema.version,
    });
  };
  return {
    /**
     * `{ dataset, plan_key }` (the silver plan) → the gold plan stored beside it, and what the
     * state machine needs of it: its key, database and statement indexes.
     */
    plan: lambdaHandler(planEvent, async ({ dataset, plan_key }): Promise<GoldPlanPayload> => {
      const d = deps();
      const spec = specOf(d.datasets, dataset, (message) => new GoldSpecError(message));
      const key = goldPlanKeyOf(plan_key);
      const silverPlan = await loadSilverPlan({ s3: d.s3, bucket: d.planBucket, key: plan_key });
      const gold = hasGold(spec) ? goldSpecOf(spec) : { tables: [] };
      const database = d.database ?? gold.database ?? "gold";
      // The tables' columns are read from the catalog, not inferred from the versions: an ALTER
      // that ran before a crash, its version not yet recorded, is not planned again. The
      // versions say which one the run brings the tables to, recorded once its ALTERs ran.
      const versions: SchemaVersionStore & { dataset: string } = { doc: d.doc, table: d.schemaVersionsTable, dataset };
      const [latest, tables, tableColumns] = await Promise.all([
        latestSchemaVersion(versions),
        tablesSchemaVersion(versions),
        d.goldColumns(gold.tables.map(({ name }) => ({ database, name }))),
      ]);
      const plan = planGold({
        spec,
        gold,
        partitions: silverPlan.partitions,
        silver: silverTableOf(spec, d.silverTable(dataset)),
        dialect: d.engine.dialect,
        database,
        ...(d.warehouse === undefined ? {} : { warehouse: d.warehouse }),
        tableColumns,
        ...(latest === undefined
          ? {}
          : { schemaVersion: { version: latest.version, tablesAt: tables?.version ?? null } }),
      });
      await saveGoldPlan({ s3: d.s3, bucket: d.planBucket, key, plan });
      logger.info("gold planned", {
        dataset,
        plan_key: key,
        tables: plan.tables.map(({ name, windows, merges }) => ({ name, windows, merges })),
        statements: plan.steps.length,
        alters: plan.steps.filter((step) => step.kind === "alter").length,
      });
      return { dataset, plan_key: key, database: plan.database, steps: plan.steps.map((_, i) => i) };
    }),
    /** `{ plan_key, index }` → one statement of the gold plan as the Athena text its state runs, and whether its rows are read. */
    query: lambdaHandler(statementEvent, async ({ plan_key, index }): Promise<GoldStatementText> => {
      const plan = await stored(plan_key);
      const step = stepOf(plan, plan_key, index);
      // Statements run in order, one at a time: reaching the first after the ALTERs means they all
      // succeeded. Recorded now, not at the end, so a run failing later (a duplicate key) does
      // not leave the next plan adding a column Iceberg already has.
      if (plan.schema?.applied_before === index) await tablesApplied(plan);
      return {
        sql: renderAthena(step.statement),
        kind: step.kind,
        reads: goldStepReadsRows(step.kind),
        max_rows: maxRowsOf(step.statement),
      };
    }),
    /**
     * `{ plan_key, index, result }` → a check's offending keys fail the run (DuplicateSourceKeyError,
     * before any MERGE); other rows are kept beside the plan for `finish`.
     */
    result: lambdaHandler(resultEvent, async ({ plan_key, index, result }): Promise<{ rows: number }> => {
      const d = deps();
      const plan = await stored(plan_key);
      const rows = checkGoldResult(plan, stepOf(plan, plan_key, index), resultSetRows(result));
      await saveGoldResult({ s3: d.s3, bucket: d.planBucket, planKey: plan_key, index, rows });
      return { rows: rows.length };
    }),
    /** `{ dataset, plan_key }` after every statement ran → rows inserted/updated/deleted per table, congregados saved, journey steps. */
    finish: lambdaHandler(
      finishEvent,
      async ({ dataset, plan_key, journey_id, run_id, queries = [] }): Promise<GoldSummary> => {
        const d = deps();
        const startedAt = Date.now();
        const plan = await stored(plan_key);
        // A plan whose last steps are its ALTERs reaches no later statement: recorded here (idempotent).
        await tablesApplied(plan);
        const summary = await finishGold({
          plan,
          rowsOf: (index) => loadGoldResult({ s3: d.s3, bucket: d.planBucket, planKey: plan_key, index }),
          congregado: { doc: d.doc, table: d.congregadoTable },
        });
        const total = (count: "inserted" | "updated" | "deleted") => summary.tables.reduce((n, t) => n + t[count], 0);
        publishMetric(metricNames.GoldRowsInserted, total("inserted"), dataset);
        publishMetric(metricNames.GoldRowsUpdated, total("updated"), dataset);
        publishMetric(metricNames.GoldRowsDeleted, total("deleted"), dataset);
        // Each statement's usage goes to the step of the table it belongs to (the summary names tables with their database).
        const usageOf = (table: string) =>
          athenaUsage(queries.filter((_, index) => `${plan.database}.${plan.steps[index]?.table}` === table));
        for (const step of goldSteps({ summary, startedAt })) {
          const usage = step.partition === undefined ? undefined : usageOf(step.partition);
          const withUsage = usage?.athena_queries ? { ...step, usage } : step;
          await logStep({ doc: d.doc, table: d.journeyTable, journeyId: journey_id, runId: run_id, step: withUsage });
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
    s3: clients.s3,
    planBucket: linked("Silver"),
    database: link.goldDatabase,
    warehouse: `s3://${linked("Gold")}/`,
    doc: clients.doc,
    congregadoTable: linked("Congregado"),
    journeyTable: linked("JourneyControl"),
    schemaVersionsTable: linked("SchemaVersions"),
    goldColumns: glueGoldColumns({ glue: clients.glue }),
  };
});

export const { plan, query, result, finish, optimize } = aws;
