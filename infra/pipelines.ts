import { shippedDatasets } from "@medallion/core/dataset";
import { eventBridgeCron, pipelineSchedules } from "@medallion/core/schedule";
import { pipelineDefinition } from "@medallion/stacks/pipeline";
import { catalog, glueArn, targetPathAccess } from "./catalog";
import { journeyFunctions } from "./functions";
import { gold } from "./gold";
import { lake } from "./lake";
import { lambda } from "./lambda";
import { stores } from "./stores";

// The pipeline: the state machine built by stacks/ (the same JSON the embedded stack runs),
// its task functions, a role allowed exactly what its states call, and the schedules.

// Silver path targets may live outside the lake's buckets.
const pathPermissions = targetPathAccess.length
  ? [{ actions: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"], resources: targetPathAccess }]
  : [];

/** Resolves the run's window and idempotency key. */
export const windowFunction = lambda("PipelineWindow", { handler: "pipeline.window", link: [] });
/** Plans silver: pending files from the ledger, affected partitions, the statements Athena runs. */
// Plan reads the catalog through Athena (partition locations), whose results land in AthenaResults.
export const silverPlan = lambda("SilverPlan", {
  handler: "silver.plan",
  link: [lake.Bronze, lake.Silver, lake.AthenaResults, stores.Ledger, catalog.silverCatalog],
  memory: "1024 MB",
  timeout: "5 minutes",
  permissions: pathPermissions,
});
/** Commits silver: swaps partition locations (the ledger is marked after gold). */
export const silverCommit = lambda("SilverCommit", {
  handler: "silver.commit",
  link: [lake.Bronze, lake.Silver, lake.AthenaResults, stores.Ledger, catalog.silverCatalog],
  memory: "1024 MB",
  timeout: "15 minutes",
  permissions: pathPermissions,
});

/** Takes and releases a dataset's consolidation lock (one run at a time rewrites its silver and gold). */
export const lockAcquire = lambda("DatasetLockAcquire", { handler: "lock.acquire", link: [stores.Lock] });
export const lockRelease = lambda("DatasetLockRelease", { handler: "lock.release", link: [stores.Lock] });

/** After gold: marks the plan's ledger entries consolidated and expires old silver versions. */
export const silverFinish = lambda("SilverFinish", {
  handler: "silver.finish",
  link: [lake.Silver, lake.AthenaResults, stores.Ledger, catalog.silverCatalog],
  memory: "1024 MB",
  timeout: "15 minutes",
  permissions: pathPermissions,
});

const taskFunctions = [
  windowFunction,
  journeyFunctions.start,
  journeyFunctions.recordStep,
  journeyFunctions.complete,
  journeyFunctions.fail,
  lockAcquire,
  lockRelease,
  silverPlan,
  silverCommit,
  silverFinish,
  gold.goldMerge,
];

const role = new aws.iam.Role("PipelineRole", {
  assumeRolePolicy: aws.iam.assumeRolePolicyForPrincipal({ Service: "states.amazonaws.com" }),
});

new aws.iam.RolePolicy("PipelinePolicy", {
  role: role.id,
  policy: $jsonStringify({
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: taskFunctions.map((fn) => fn.arn) },
      // Athena's .sync integration: start, poll, stop the silver queries in the workgroup.
      {
        Effect: "Allow",
        Action: [
          "athena:StartQueryExecution",
          "athena:GetQueryExecution",
          "athena:StopQueryExecution",
          "athena:GetWorkGroup",
        ],
        Resource: [catalog.workGroup.arn],
      },
      {
        Effect: "Allow",
        Action: ["athena:GetDataCatalog"],
        Resource: [
          $interpolate`arn:aws:athena:${aws.getRegionOutput().name}:${aws.getCallerIdentityOutput().accountId}:datacatalog/AwsDataCatalog`,
        ],
      },
      // Where Lake Formation governs the catalog, Athena also asks it for data access.
      { Effect: "Allow", Action: ["lakeformation:GetDataAccess"], Resource: ["*"] },
      // Athena runs the queries with this role's rights: read bronze, write silver versions and results.
      {
        Effect: "Allow",
        Action: [
          "glue:GetDatabase",
          "glue:GetTable",
          "glue:GetPartition",
          "glue:GetPartitions",
          "glue:BatchGetPartition",
        ],
        Resource: [
          glueArn("catalog"),
          glueArn($interpolate`database/${catalog.bronzeDatabase.name}`),
          glueArn($interpolate`database/${catalog.silverDatabase.name}`),
          glueArn($interpolate`table/${catalog.bronzeDatabase.name}/*`),
          glueArn($interpolate`table/${catalog.silverDatabase.name}/*`),
        ],
      },
      {
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation"],
        Resource: [lake.Bronze.arn, $interpolate`${lake.Bronze.arn}/*`],
      },
      {
        Effect: "Allow",
        Action: [
          "s3:GetObject",
          "s3:PutObject",
          "s3:ListBucket",
          "s3:GetBucketLocation",
          "s3:AbortMultipartUpload",
          "s3:ListMultipartUploadParts",
        ],
        Resource: [
          lake.Silver.arn,
          $interpolate`${lake.Silver.arn}/*`,
          lake.AthenaResults.arn,
          $interpolate`${lake.AthenaResults.arn}/*`,
          ...targetPathAccess,
        ],
      },
      // Execution logs.
      {
        Effect: "Allow",
        Action: [
          "logs:CreateLogDelivery",
          "logs:GetLogDelivery",
          "logs:UpdateLogDelivery",
          "logs:DeleteLogDelivery",
          "logs:ListLogDeliveries",
          "logs:PutResourcePolicy",
          "logs:DescribeResourcePolicies",
          "logs:DescribeLogGroups",
        ],
        Resource: ["*"],
      },
    ],
  }),
});

const logGroup = new aws.cloudwatch.LogGroup("PipelineLogs", {
  name: `/aws/vendedlogs/states/${$app.name}-${$app.stage}-pipeline`,
  retentionInDays: 30,
});

/** The state machine: one execution per dataset and window. */
export const stateMachine = new aws.sfn.StateMachine("Pipeline", {
  type: "STANDARD",
  roleArn: role.arn,
  definition: $resolve({
    window: windowFunction.arn,
    journeyStart: journeyFunctions.start.arn,
    journeyRecordStep: journeyFunctions.recordStep.arn,
    journeyComplete: journeyFunctions.complete.arn,
    journeyFail: journeyFunctions.fail.arn,
    lockAcquire: lockAcquire.arn,
    lockRelease: lockRelease.arn,
    silverPlan: silverPlan.arn,
    silverCommit: silverCommit.arn,
    silverFinish: silverFinish.arn,
    goldMerge: gold.goldMerge.arn,
    workGroup: catalog.workGroup.name,
  }).apply(({ workGroup, ...functions }) =>
    JSON.stringify(pipelineDefinition({ functions, athenaWorkGroup: workGroup })),
  ),
  loggingConfiguration: { level: "ERROR", includeExecutionData: true, logDestination: $interpolate`${logGroup.arn}:*` },
});

const eventsRole = new aws.iam.Role("PipelineScheduleRole", {
  assumeRolePolicy: aws.iam.assumeRolePolicyForPrincipal({ Service: "events.amazonaws.com" }),
});
new aws.iam.RolePolicy("PipelineSchedulePolicy", {
  role: eventsRole.id,
  policy: $jsonStringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: ["states:StartExecution"], Resource: [stateMachine.arn] }],
  }),
});

/** EventBridge rules: hourly and daily (02:00 UTC, D-1) per dataset, with the window and the schedule's time in the input. */
export const schedules = Object.values(shippedDatasets).flatMap((spec) =>
  pipelineSchedules.map((schedule) => {
    const name = `Pipeline_${spec.name}_${schedule.name}`;
    const rule = new aws.cloudwatch.EventRule(name, {
      scheduleExpression: eventBridgeCron(schedule.cron),
      description: `medallion ${schedule.name} pipeline for ${spec.name}`,
    });
    new aws.cloudwatch.EventTarget(name, {
      rule: rule.name,
      arn: stateMachine.arn,
      roleArn: eventsRole.arn,
      inputTransformer: {
        inputPaths: { time: "$.time" },
        inputTemplate: `{"dataset": ${JSON.stringify(spec.name)}, "window": ${JSON.stringify(schedule.window)}, "at": <time>}`,
      },
    });
    return rule;
  }),
);

export const pipeline = { stateMachine, schedules, windowFunction, silverPlan, silverCommit };
