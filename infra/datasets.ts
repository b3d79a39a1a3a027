import { checkDeployment } from "@medallion/core/dataset";
import datasets from "@medallion/datasets";

// The datasets this deployment runs: the datasets folder's list (datasets/index.ts), the same
// list the Lambda handlers and every `medallion` command read. Checked before anything is
// created: a bad spec stops the deploy with its file, path and reason.

/** Every dataset of the deployment, validated; infra creates each one's resources from it. */
export const deployedDatasets = checkDeployment(datasets, { source: "datasets/index.ts" });
