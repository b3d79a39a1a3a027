import { shippedDatasets } from "@medallion/core/dataset";
import { eventBridgeCron, pipelineSchedules } from "@medallion/core/schedule";
import { perTaskFunction } from "@medallion/stacks/functions";
import { pipelineDefinition } from "@medallion/stacks/pipeline";
import { bronzeDatabase, glueArn, silverDatabase, targetPathAccess, workGroup } from "./catalog";
import { lambdas } from "./functions";
import { lake } from "./lake";

// The pipeline: the state machine built by stacks/ (the same JSON the embedded stack runs)
// over its task functions (infra/functions.ts), a role allowed exactly what its states call,
// and the schedules.

const taskFunctionArns = perTaskFunction((name) => lambdas[name].arn);

/** The state machine's role. */
export const pipelineRole = new aws.iam.Role("PipelineRole", {
  assumeRolePolicy: aws.iam.assumeRolePolicyForPrincipal({ Service: "states.amazonaws.com" }),
});

new aws.iam.RolePolicy("PipelinePolicy", {
  role: pipelineRole.id,
  policy: $jsonStringify({
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: Object.values(taskFunctionArns) },
      // Athena's .sync integration: start, poll, stop the silver queries in the workgroup.
      {
        Effect: "Allow",
        Action: [
          "athena:StartQueryExecution",
          "athena:GetQueryExecution",
          "athena:StopQueryExecution",
          "athena:GetWorkGroup",
        ],
        Resource: [workGroup.arn],
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
          glueArn($interpolate`database/${bronzeDatabase.name}`),
          glueArn($interpolate`database/${silverDatabase.name}`),
          glueArn($interpolate`table/${bronzeDatabase.name}/*`),
          glueArn($interpolate`table/${silverDatabase.name}/*`),
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
  roleArn: pipelineRole.arn,
  definition: $resolve({ functionArns: $resolve(taskFunctionArns), athenaWorkGroup: workGroup.name }).apply(
    (resources) => JSON.stringify(pipelineDefinition(resources)),
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
export const pipelineScheduleRules = Object.values(shippedDatasets).flatMap((spec) =>
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
