import { hasGold } from "@medallion/core/catalog";
import { deployedDatasets } from "./datasets";
import { lambdas } from "./functions";

// Gold tables are Iceberg tables Athena creates on the first merge (infra/catalog.ts holds their
// Glue database): what gold deploys besides its functions is their nightly maintenance.

/** Nightly OPTIMIZE + VACUUM of every dataset that has gold tables. */
export const goldMaintenance = deployedDatasets.filter(hasGold).map(
  (spec) =>
    new sst.aws.Cron(`GoldMaintenance_${spec.name}`, {
      schedule: "cron(30 3 * * ? *)",
      function: lambdas.OptimizeGold.arn,
      event: { dataset: spec.name },
    }),
);
