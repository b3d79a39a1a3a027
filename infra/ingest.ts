import { lake } from "./lake";
import { stores } from "./stores";

// Landing → bronze: one invocation per ObjectCreated notification. Linked to exactly what
// it reads and writes; Parquet is staged in /tmp before upload, hence the ephemeral storage.
export const ingest = new sst.aws.Function("Ingest", {
  handler: "packages/functions/src/ingest.handler",
  runtime: "nodejs22.x",
  architecture: "arm64",
  memory: "1024 MB",
  storage: "2048 MB",
  timeout: "10 minutes",
  link: [lake.Landing, lake.Bronze, lake.Quarantine, stores.Ledger, stores.Idempotency],
  environment: {
    POWERTOOLS_SERVICE_NAME: "medallion-ingest",
    POWERTOOLS_METRICS_NAMESPACE: "Medallion",
  },
});

lake.Landing.notify({
  notifications: [{ name: "IngestLanding", function: ingest.arn, events: ["s3:ObjectCreated:*"] }],
});
