import { lake } from "./lake";
import { lambda } from "./lambda";
import { stores } from "./stores";

// Landing → bronze: one invocation per ObjectCreated notification. Linked to exactly what
// it reads and writes; Parquet is staged in /tmp before upload, hence the ephemeral storage.
// Files over one row group (10k records) are encoded on a second thread, which pays off from
// about 1,769 MB (one full vCPU) up; 1024 MB keeps small, frequent files cheap.
export const ingest = lambda("Ingest", {
  handler: "ingest.handler",
  link: [lake.Landing, lake.Bronze, lake.Quarantine, stores.Ledger, stores.Idempotency],
  memory: "1024 MB",
  storage: "2048 MB",
  timeout: "10 minutes",
});

lake.Landing.notify({
  notifications: [{ name: "IngestLanding", function: ingest.arn, events: ["s3:ObjectCreated:*"] }],
});
