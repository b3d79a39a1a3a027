import { eventBridgeCron, pipelineSchedules } from "@medallion/core/schedule";
import { perTaskFunction, stateMachineAccess } from "@medallion/stacks/functions";
import { pipelineDefinition } from "@medallion/stacks/pipeline";
import { policyDocument } from "@medallion/stacks/policy";
import { workGroup } from "./catalog";
import { deployedDatasets } from "./datasets";
import { deployment, lambdas, stateMachineName } from "./functions";

// The pipeline: the state machine built by stacks/ (the same JSON the embedded stack runs)
// over its task functions (infra/functions.ts), a role allowed exactly what its states call,
// and the schedules.

const taskFunctionArns = perTaskFunction((name) => lambdas[name].arn);

/** The state machine's role. */
export const pipelineRole = new aws.iam.Role("PipelineRole", {
  assumeRolePolicy: aws.iam.assumeRolePolicyForPrincipal({ Service: "states.amazonaws.com" }),
});

/** Its policy, from the state machine's declared access (`@medallion/stacks/functions`). */
export const pipelinePolicy = new aws.iam.RolePolicy("PipelinePolicy", {
  role: pipelineRole.id,
  policy: $util
    .all([deployment, $util.output(Object.values(taskFunctionArns))])
    .apply(([names, taskFunctions]) =>
      JSON.stringify(policyDocument(stateMachineAccess, { ...names, taskFunctions: taskFunctions as string[] })),
    ),
});

const logGroup = new aws.cloudwatch.LogGroup("PipelineLogs", {
  name: `/aws/vendedlogs/states/${$app.name}-${$app.stage}-pipeline`,
  retentionInDays: 30,
});

/** The state machine: one execution per dataset and window. */
export const stateMachine = new aws.sfn.StateMachine(
  "Pipeline",
  {
    name: stateMachineName,
    type: "STANDARD",
    roleArn: pipelineRole.arn,
    definition: $resolve({ functionArns: $resolve(taskFunctionArns), athenaWorkGroup: workGroup.name }).apply(
      (resources) => JSON.stringify(pipelineDefinition(resources)),
    ),
    loggingConfiguration: {
      level: "ERROR",
      includeExecutionData: true,
      logDestination: $interpolate`${logGroup.arn}:*`,
    },
  },
  // IAM is eventually consistent: on the first deploy the role must hold its policy before Step Functions checks it.
  { dependsOn: [pipelinePolicy] },
);

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
export const pipelineScheduleRules = deployedDatasets.flatMap((spec) =>
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
