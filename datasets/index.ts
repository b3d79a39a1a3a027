import type { DatasetSpec } from "@medallion/core/dataset";
import { carTelemetry, operations } from "@medallion/core/dataset";
import weatherStations from "./weather-stations";

// The datasets this deployment runs: `sst deploy` creates each one's tables, landing
// notification, schedules and gold maintenance; the Lambda handlers and every `medallion`
// command know them (no --spec needed). Add yours: a spec file in this folder (`npx medallion
// spec init <name> --from <sample files> --out datasets/<name>.ts` drafts one), then a line
// here. The shipped ones are examples: remove any you do not run.

/** The datasets of this deployment, in the order infra creates them. */
export const datasets: DatasetSpec[] = [carTelemetry, operations, weatherStations];

export default datasets;
