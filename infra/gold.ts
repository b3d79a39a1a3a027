import { hasGold } from "@medallion/core/catalog";
import { shippedDatasets } from "@medallion/core/dataset";
import { catalog, databasePrefix, glueArn } from "./catalog";
import { lake } from "./lake";
import { lambda } from "./lambda";
import { stores } from "./stores";

// Gold: Iceberg tables in the Gold bucket, created by Athena DDL from the dataset specs on
// the first merge (`CREATE TABLE IF NOT EXISTS … 'table_type' = 'ICEBERG'`), so the Glue
// database is the only catalog object deployed here. Athena writes data and Iceberg
// metadata with the calling function's credentials, hence the Glue write permissions.

export const goldDatabase = new aws.glue.CatalogDatabase("GoldDatabase", {
  name: `${databasePrefix}_gold`,
  description: "Gold: business aggregates as Apache Iceberg tables, updated by MERGE",
});

/** What the gold handlers link: database names and workgroup, with Athena and Glue permissions. */
export const goldCatalog = new sst.Linkable("GoldCatalog", {
  properties: {
    goldDatabase: goldDatabase.name,
    silverDatabase: catalog.silverDatabase.name,
    workGroup: catalog.workGroup.name,
  },
  include: [
    sst.aws.permission({
      actions: [
        "athena:StartQueryExecution",
        "athena:GetQueryExecution",
        "athena:GetQueryResults",
        "athena:StopQueryExecution",
        "athena:GetWorkGroup",
      ],
      resources: [catalog.workGroup.arn],
    }),
    // Reading silver: its table and partitions.
    sst.aws.permission({
      actions: [
        "glue:GetDatabase",
        "glue:GetTable",
        "glue:GetPartition",
        "glue:GetPartitions",
        "glue:BatchGetPartition",
      ],
      resources: [
        glueArn("catalog"),
        glueArn($interpolate`database/${catalog.silverDatabase.name}`),
        glueArn($interpolate`table/${catalog.silverDatabase.name}/*`),
      ],
    }),
    // Gold: CREATE TABLE on the first merge, then each Iceberg commit updates the table's metadata pointer.
    sst.aws.permission({
      actions: [
        "glue:GetDatabase",
        "glue:GetTable",
        "glue:GetTables",
        "glue:CreateTable",
        "glue:UpdateTable",
        "glue:GetPartitions",
      ],
      resources: [
        glueArn("catalog"),
        glueArn($interpolate`database/${goldDatabase.name}`),
        glueArn($interpolate`table/${goldDatabase.name}/*`),
      ],
    }),
  ],
});

// The gold functions wait for Athena (a MERGE over many months can take minutes).
const goldFunction = (name: string, handler: string) =>
  lambda(name, {
    handler: `gold.${handler}`,
    link: [lake.Gold, lake.Silver, lake.AthenaResults, stores.Congregado, stores.JourneyControl, goldCatalog],
    timeout: "15 minutes",
    service: "medallion-gold",
  });

/** `{ dataset, partitions }` → gold merged and congregados saved (the pipeline's gold task). */
export const goldMerge = goldFunction("GoldMerge", "merge");

/** `{ dataset }` → OPTIMIZE + VACUUM of the dataset's gold tables. */
export const goldOptimize = goldFunction("GoldOptimize", "optimize");

// Nightly maintenance for every dataset that has gold tables.
export const goldMaintenance = Object.values(shippedDatasets)
  .filter(hasGold)
  .map(
    (spec) =>
      new sst.aws.Cron(`GoldMaintenance_${spec.name}`, {
        schedule: "cron(30 3 * * ? *)",
        function: goldOptimize.arn,
        event: { dataset: spec.name },
      }),
  );

export const gold = { goldDatabase, goldCatalog, goldMerge, goldOptimize, goldMaintenance };
