import { lambdas } from "./functions";
import { lake } from "./lake";

// Landing → bronze: the Ingest function takes every ObjectCreated notification of the landing bucket.
export const landingNotifications = lake.Landing.notify({
  notifications: [{ name: "IngestLanding", function: lambdas.Ingest.arn, events: ["s3:ObjectCreated:*"] }],
});
