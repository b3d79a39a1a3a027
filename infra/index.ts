// One file per concern, in dependency order; each exports its components.
import { workGroup } from "./catalog";
import { alarmTopic, dashboard } from "./dashboard";
import { lambdas } from "./functions";
import { lake } from "./lake";
import { stateMachine } from "./pipeline";
import { queues } from "./queues";

export * from "./catalog";
export * from "./dashboard";
export * from "./datasets";
export * from "./functions";
export * from "./gold";
export * from "./ingest";
export * from "./lake";
export * from "./pipeline";
export * from "./queues";
export * from "./schema";
export * from "./sources";
export * from "./stores";

export const outputs = {
  landingBucket: lake.Landing.name,
  bronzeBucket: lake.Bronze.name,
  quarantineBucket: lake.Quarantine.name,
  ingestFunction: lambdas.Ingest.name,
  ingestFailuresQueue: queues.IngestFailures.url,
  stateMachine: stateMachine.arn,
  athenaWorkGroup: workGroup.name,
  dashboard: dashboard.dashboardName,
  alarmTopic: alarmTopic.arn,
};
