import { landingSubscriptions } from "@medallion/core/ingest";
import { functions } from "@medallion/stacks/functions";
import { deployedDatasets } from "./datasets";
import { lambdas } from "./functions";
import { lake } from "./lake";
import { queues } from "./queues";

// Landing → bronze. S3 invokes the Ingest function asynchronously, once per dataset prefix (so
// the archive copies under `_done/` and `_failed/` invoke nothing); Lambda retries a failed
// event as the function's delivery declares, then sends it to the on-failure queue. The
// SweepLanding schedule (infra/functions.ts) re-drives what never made it to the ledger.

const { delivery } = functions.Ingest;

/** Retries, event age and the on-failure destination of S3's asynchronous invocations. */
export const ingestDelivery = new aws.lambda.FunctionEventInvokeConfig("IngestDelivery", {
  functionName: lambdas.Ingest.name,
  maximumRetryAttempts: delivery.retries,
  maximumEventAgeInSeconds: delivery.maxEventAgeSeconds,
  destinationConfig: { onFailure: { destination: queues[delivery.onFailure].arn } },
});

/** One ObjectCreated subscription per dataset prefix. */
export const landingNotifications = lake.Landing.notify({
  notifications: landingSubscriptions(deployedDatasets).map((prefix) => ({
    name: `Ingest_${prefix.replace(/[^A-Za-z0-9]/g, "_")}`,
    function: lambdas.Ingest.arn,
    events: ["s3:ObjectCreated:*"],
    filterPrefix: prefix,
  })),
});
