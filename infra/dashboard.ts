import type { MetricName } from "@medallion/core/metrics";
import { METRICS_NAMESPACE, METRICS_SERVICE, metricNames } from "@medallion/core/metrics";
import { workGroup } from "./catalog";
import { deployedDatasets } from "./datasets";
import { lambdas } from "./functions";
import { stateMachine } from "./pipeline";
import { queues } from "./queues";

// What a person watches on AWS: one CloudWatch dashboard (a row per dataset, then the shared
// pipeline, ingest and Athena figures) and alarms to one SNS topic the user subscribes to
// (`aws sns subscribe --topic-arn <alarmTopic> --protocol email …`). Every custom metric is
// named from `@medallion/core/metrics`, the declaration the handlers publish by.

const region = aws.getRegionOutput().region;
const M = metricNames;
const datasets = deployedDatasets;

// A default quarantine rate above which a dataset's alarm fires, when its spec sets none.
const DEFAULT_MAX_QUARANTINE_RATE = 0.05;

/** The topic every alarm notifies. */
export const alarmTopic = new sst.aws.SnsTopic("Alarms");

// A custom metric of one dataset, as a dashboard widget or an alarm names it.
const datasetMetric = (name: MetricName, dataset: string) =>
  [METRICS_NAMESPACE, name, "dataset", dataset, "service", METRICS_SERVICE] as const;

type Widget = Record<string, unknown>;
const graph = (title: string, metrics: unknown[], stat = "Sum", width = 8): Widget => ({
  type: "metric",
  width,
  height: 6,
  properties: { title, region, stat, period: 300, view: "timeSeries", metrics },
});

const datasetWidgets = datasets.flatMap((spec): Widget[] => [
  {
    type: "text",
    width: 24,
    height: 1,
    properties: { markdown: `## ${spec.name}` },
  },
  graph(`${spec.name}: records in, to bronze, quarantined`, [
    [...datasetMetric(M.RecordsIn, spec.name), { label: "records in" }],
    [...datasetMetric(M.RecordsBronze, spec.name), { label: "to bronze" }],
    [...datasetMetric(M.RecordsQuarantined, spec.name), { label: "quarantined" }],
    [...datasetMetric(M.FilesQuarantined, spec.name), { label: "files quarantined whole", yAxis: "right" }],
  ]),
  graph(`${spec.name}: runs`, [
    [...datasetMetric(M.JourneyCompleted, spec.name), { label: "succeeded" }],
    [...datasetMetric(M.JourneyFailed, spec.name), { label: "failed", color: "#d62728" }],
    [...datasetMetric(M.JourneyDuration, spec.name), { label: "duration (ms)", stat: "Maximum", yAxis: "right" }],
  ]),
  graph(`${spec.name}: silver rows written, gold rows merged`, [
    [...datasetMetric(M.SilverRowsOut, spec.name), { label: "silver rows written" }],
    [...datasetMetric(M.GoldRowsInserted, spec.name), { label: "gold inserted" }],
    [...datasetMetric(M.GoldRowsUpdated, spec.name), { label: "gold updated" }],
  ]),
  graph(`${spec.name}: Athena bytes scanned by its runs`, [
    [...datasetMetric(M.AthenaBytesScanned, spec.name), { label: "bytes scanned" }],
  ]),
  graph(`${spec.name}: ingest duration per file (ms)`, [
    [...datasetMetric(M.IngestDuration, spec.name), { label: "p95", stat: "p95" }],
    [...datasetMetric(M.IngestDuration, spec.name), { label: "max", stat: "Maximum" }],
  ]),
]);

const ingest = lambdas.Ingest.name;
const sharedWidgets: Widget[] = [
  { type: "text", width: 24, height: 1, properties: { markdown: "## Pipeline, ingest and Athena (all datasets)" } },
  graph("State machine executions", [
    ["AWS/States", "ExecutionsSucceeded", "StateMachineArn", stateMachine.arn, { label: "succeeded" }],
    ["AWS/States", "ExecutionsFailed", "StateMachineArn", stateMachine.arn, { label: "failed", color: "#d62728" }],
    [
      "AWS/States",
      "ExecutionTime",
      "StateMachineArn",
      stateMachine.arn,
      { label: "duration (ms)", stat: "Maximum", yAxis: "right" },
    ],
  ]),
  graph("Ingest function: duration and errors", [
    ["AWS/Lambda", "Duration", "FunctionName", ingest, { label: "duration p95 (ms)", stat: "p95" }],
    ["AWS/Lambda", "Errors", "FunctionName", ingest, { label: "errors", stat: "Sum", yAxis: "right" }],
    [
      "AWS/SQS",
      "ApproximateNumberOfMessagesVisible",
      "QueueName",
      queues.IngestFailures.nodes.queue.name,
      {
        label: "waiting in the dead-letter queue",
        stat: "Maximum",
        yAxis: "right",
      },
    ],
  ]),
  graph("Athena bytes scanned (the lake's workgroup)", [
    ["AWS/Athena", "ProcessedBytes", "WorkGroup", workGroup.name, { label: "bytes scanned" }],
  ]),
];

/** The dashboard: per dataset, then the state machine, the ingest function and Athena. */
export const dashboard = new aws.cloudwatch.Dashboard("Dashboard", {
  dashboardName: `${$app.name}-${$app.stage}`,
  dashboardBody: $jsonStringify({ widgets: [...datasetWidgets, ...sharedWidgets] }),
});

const notify = { alarmActions: [alarmTopic.arn], okActions: [alarmTopic.arn] };

/** A pipeline execution failed. */
export const executionFailedAlarm = new aws.cloudwatch.MetricAlarm("ExecutionFailedAlarm", {
  alarmDescription: "A pipeline execution failed: `medallion journeys --status failed` shows its error.",
  namespace: "AWS/States",
  metricName: "ExecutionsFailed",
  dimensions: { StateMachineArn: stateMachine.arn },
  statistic: "Sum",
  period: 300,
  evaluationPeriods: 1,
  threshold: 1,
  comparisonOperator: "GreaterThanOrEqualToThreshold",
  treatMissingData: "notBreaching",
  ...notify,
});

/** Landing files whose ingestion failed for good wait in the dead-letter queue. */
export const ingestDeadLetterAlarm = new aws.cloudwatch.MetricAlarm("IngestDeadLetterAlarm", {
  alarmDescription: "Landing files failed ingestion after Lambda's retries and wait in the ingest dead-letter queue.",
  namespace: "AWS/SQS",
  metricName: "ApproximateNumberOfMessagesVisible",
  dimensions: { QueueName: queues.IngestFailures.nodes.queue.name },
  statistic: "Maximum",
  period: 300,
  evaluationPeriods: 1,
  threshold: 1,
  comparisonOperator: "GreaterThanOrEqualToThreshold",
  treatMissingData: "notBreaching",
  ...notify,
});

// CloudWatch's metric-math form of a dataset metric.
const mathMetric = (id: string, name: MetricName, dataset: string, period: number) => ({
  id,
  returnData: false,
  metric: {
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensions: { dataset, service: METRICS_SERVICE },
    stat: "Sum",
    period,
  },
});

/** Per dataset: the share of its records quarantined in an hour, above its spec's threshold. */
export const quarantineRateAlarms = datasets.map((spec) => {
  const threshold = spec.monitoring?.maxQuarantineRate ?? DEFAULT_MAX_QUARANTINE_RATE;
  return new aws.cloudwatch.MetricAlarm(`QuarantineRateAlarm_${spec.name}`, {
    alarmDescription: `More than ${threshold * 100}% of ${spec.name}'s records were quarantined in an hour: medallion query "SELECT reason, count(*) FROM quarantine.${spec.name} GROUP BY ALL".`,
    metricQueries: [
      mathMetric("quarantined", M.RecordsQuarantined, spec.name, 3600),
      mathMetric("records", M.RecordsIn, spec.name, 3600),
      { id: "rate", expression: "quarantined / records", label: "quarantine rate", returnData: true },
    ],
    evaluationPeriods: 1,
    threshold,
    comparisonOperator: "GreaterThanThreshold",
    treatMissingData: "notBreaching",
    ...notify,
  });
});

/** Per dataset whose spec expects files at an interval: no file ingested within it (freshness). */
export const freshnessAlarms = datasets.flatMap((spec) => {
  const minutes = spec.monitoring?.expectedEveryMinutes;
  if (minutes === undefined) return [];
  // CloudWatch evaluates at most a day in one period: longer intervals span several periods.
  const period = Math.min(minutes, 1440) * 60;
  return [
    new aws.cloudwatch.MetricAlarm(`FreshnessAlarm_${spec.name}`, {
      alarmDescription: `No ${spec.name} file was ingested in ${minutes} minutes.`,
      namespace: METRICS_NAMESPACE,
      metricName: M.FilesIngested,
      dimensions: { dataset: spec.name, service: METRICS_SERVICE },
      statistic: "Sum",
      period,
      evaluationPeriods: Math.ceil((minutes * 60) / period),
      threshold: 1,
      comparisonOperator: "LessThanThreshold",
      // No data point at all is exactly what this alarm is for.
      treatMissingData: "breaching",
      ...notify,
    }),
  ];
});
