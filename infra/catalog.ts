import { bronzeTableShape, silverTableShape } from "@medallion/core/catalog";
import { deployedDatasets } from "./datasets";
import { lake } from "./lake";

// The Glue catalog, the Athena workgroup, and the two links through which handlers reach them
// (SilverCatalog, GoldCatalog). Tables come from the dataset specs (no crawler): bronze with
// partition projection on ingest_date (nothing to register), silver with partitions the
// consolidation registers itself, one versioned location each. Gold tables are Iceberg tables
// in the Gold bucket, created by Athena DDL on the first merge (`CREATE TABLE IF NOT EXISTS …
// 'table_type' = 'ICEBERG'`), so their Glue database is the only gold object deployed here.

/** Glue database names start with `<app>_<stage>` (Glue allows lowercase letters, digits and `_`). */
export const databasePrefix = `${$app.name}_${$app.stage}`.replace(/[^a-z0-9_]/gi, "_").toLowerCase();
const PARQUET = {
  inputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
  outputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
  serDeInfo: { serializationLibrary: "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe" },
};
export const bronzeDatabase = new aws.glue.CatalogDatabase("BronzeDatabase", {
  name: `${databasePrefix}_bronze`,
  description: "Bronze: validated records as Parquet, one object per landing file",
});
export const silverDatabase = new aws.glue.CatalogDatabase("SilverDatabase", {
  name: `${databasePrefix}_silver`,
  description: "Silver: cleansed, deduplicated, partitioned by event date",
});
export const goldDatabase = new aws.glue.CatalogDatabase("GoldDatabase", {
  name: `${databasePrefix}_gold`,
  description: "Gold: business aggregates as Apache Iceberg tables, updated by MERGE",
});

/** Bronze and silver Glue tables of every deployed dataset, by dataset name. */
export const glueTables = Object.fromEntries(
  deployedDatasets.map((spec) => {
    const bronzeShape = bronzeTableShape(spec);
    const bronzeLocation = $interpolate`s3://${lake.Bronze.name}/${spec.name}/`;
    const bronze = new aws.glue.CatalogTable(`Bronze_${spec.name}`, {
      databaseName: bronzeDatabase.name,
      name: spec.name,
      tableType: "EXTERNAL_TABLE",
      parameters: {
        EXTERNAL: "TRUE",
        classification: "parquet",
        "projection.enabled": "true",
        "projection.ingest_date.type": "date",
        "projection.ingest_date.format": "yyyy-MM-dd",
        "projection.ingest_date.range": "2020-01-01,NOW",
        "storage.location.template": $interpolate`${bronzeLocation}ingest_date=\${ingest_date}/`,
      },
      partitionKeys: bronzeShape.partitionKeys,
      storageDescriptor: { ...PARQUET, location: bronzeLocation, columns: bronzeShape.columns },
    });
    // A plain S3 path target is listed in a manifest beside its data; its partitions are also
    // registered on a silver table over the path, through which Athena re-reads existing rows.
    const target = spec.silver?.target;
    const silverShape = silverTableShape(spec);
    if (!silverShape) return [spec.name, { bronze }];
    const pathOnly = target?.path !== undefined && target.table === undefined;
    const silver = new aws.glue.CatalogTable(`Silver_${spec.name}`, {
      databaseName: target?.table?.database ?? silverDatabase.name,
      name: target?.table?.name ?? spec.name,
      tableType: "EXTERNAL_TABLE",
      parameters: { EXTERNAL: "TRUE", classification: "parquet", "parquet.compression": "SNAPPY" },
      partitionKeys: silverShape.partitionKeys,
      storageDescriptor: {
        ...PARQUET,
        location: pathOnly ? target!.path! : $interpolate`s3://${lake.Silver.name}/${spec.name}/`,
        columns: silverShape.columns,
      },
    });
    return [spec.name, { bronze, silver }];
  }),
);

/** Athena engine v3; results (and UNLOAD manifests) in the AthenaResults bucket; a scan cutoff per query. */
export const workGroup = new aws.athena.Workgroup("Athena", {
  name: databasePrefix,
  forceDestroy: true,
  configuration: {
    enforceWorkgroupConfiguration: true,
    publishCloudwatchMetricsEnabled: true,
    engineVersion: { selectedEngineVersion: "Athena engine version 3" },
    bytesScannedCutoffPerQuery: 100 * 1024 ** 3,
    resultConfiguration: {
      outputLocation: $interpolate`s3://${lake.AthenaResults.name}/results/`,
      encryptionConfiguration: { encryptionOption: "SSE_S3" },
    },
  },
});

/**
 * The Glue databases and workgroup the silver handlers read (`Resource.SilverCatalog`). Links
 * carry names only: each function's rights are its declared access (infra/functions.ts).
 */
export const silverCatalog = new sst.Linkable("SilverCatalog", {
  properties: { bronzeDatabase: bronzeDatabase.name, silverDatabase: silverDatabase.name, workGroup: workGroup.name },
});

/** The Glue databases and workgroup the gold handlers read (`Resource.GoldCatalog`). */
export const goldCatalog = new sst.Linkable("GoldCatalog", {
  properties: {
    goldDatabase: goldDatabase.name,
    silverDatabase: silverDatabase.name,
    workGroup: workGroup.name,
  },
});
