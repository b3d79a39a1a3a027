import { describe, expect, it } from "vitest";
import { functions, landingGraceSeconds, stateMachineAccess } from "../src/functions";
import type { Deployment } from "../src/policy";
import { accessPolicy, grants, policyDocument, silverTargetPathArns, targetResources } from "../src/policy";

const deployment: Deployment = {
  region: "eu-west-1",
  account: "123456789012",
  buckets: {
    Landing: "landing",
    Bronze: "bronze",
    Quarantine: "quarantine",
    Silver: "silver",
    AthenaResults: "results",
    Gold: "gold",
  },
  tables: {
    Ledger: "ledger",
    Idempotency: "idempotency",
    JourneyControl: "journeys",
    Congregado: "congregado",
    Lock: "lock",
    SchemaVersions: "schema-versions",
    Watermark: "watermark",
  },
  queues: { IngestFailures: "ingest-failures" },
  databases: { bronze: "app_bronze", silver: "app_silver", gold: "app_gold" },
  workGroup: "app",
  silverTargetPaths: [],
  taskFunctions: ["arn:aws:lambda:eu-west-1:123456789012:function:plan"],
  stateMachineName: "app-prod-pipeline",
};

describe("targetResources", () => {
  it("resolves each kind of target to the ARNs IAM checks", () => {
    // Assess
    expect(targetResources("Landing", deployment)).toEqual(["arn:aws:s3:::landing", "arn:aws:s3:::landing/*"]);
    expect(targetResources("Ledger", deployment)).toEqual([
      "arn:aws:dynamodb:eu-west-1:123456789012:table/ledger",
      "arn:aws:dynamodb:eu-west-1:123456789012:table/ledger/index/*",
    ]);
    expect(targetResources("IngestFailures", deployment)).toEqual([
      "arn:aws:sqs:eu-west-1:123456789012:ingest-failures",
    ]);
    // Glue authorises the catalog and the database as well as the table.
    expect(targetResources("SilverTables", deployment)).toEqual([
      "arn:aws:glue:eu-west-1:123456789012:catalog",
      "arn:aws:glue:eu-west-1:123456789012:database/app_silver",
      "arn:aws:glue:eu-west-1:123456789012:table/app_silver/*",
    ]);
    expect(targetResources("AthenaWorkGroup", deployment)).toEqual([
      "arn:aws:athena:eu-west-1:123456789012:workgroup/app",
    ]);
    expect(targetResources("TaskFunctions", deployment)).toEqual(deployment.taskFunctions);
  });

  it("scopes the history reads of the states that end a run to the pipeline's executions", () => {
    // Act
    const statements = accessPolicy(functions.CompleteJourney.access, deployment);
    // Assess: built from the machine's name, so the functions do not depend on the machine that invokes them.
    expect(statements).toContainEqual({
      actions: ["states:GetExecutionHistory"],
      resources: ["arn:aws:states:eu-west-1:123456789012:execution:app-prod-pipeline:*"],
    });
    expect(accessPolicy(functions.FailJourney.access, deployment)).toContainEqual(statements.at(-1));
    expect(() => targetResources("PipelineExecutions", { ...deployment, stateMachineName: undefined })).toThrow(
      /names no state machine/,
    );
  });

  it("refuses task functions a deployment does not name", () => {
    // Act
    const resolve = () => targetResources("TaskFunctions", { ...deployment, taskFunctions: undefined });
    // Assess
    expect(resolve).toThrow(/names no task functions/);
  });
});

describe("accessPolicy", () => {
  it("gives one statement per target, and none for a target with no resource", () => {
    // Act
    const statements = accessPolicy(functions.PlanSilver.access, deployment);
    // Assess: no silver path target in this deployment, so no statement for it.
    expect(statements).toHaveLength(Object.keys(functions.PlanSilver.access).length - 1);
    expect(statements).toContainEqual({
      actions: ["dynamodb:Query", "dynamodb:UpdateItem"],
      resources: targetResources("Ledger", deployment),
    });
  });

  it("grants what links would not: every right is declared, and buckets and tables get no wildcard action", () => {
    // Act
    const actions = [...Object.values(functions).map((f) => f.access), stateMachineAccess].flatMap((access) =>
      grants(access).map((grant) => grant.action),
    );
    // Assess
    expect(actions.filter((action) => action.endsWith(":*"))).toEqual([]);
  });

  it("renders an IAM policy document", () => {
    // Act
    const document = policyDocument(functions.SweepLanding.access, deployment);
    // Assess
    expect(document).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Action: ["s3:ListBucket", "s3:GetObject", "s3:PutObject"],
          Resource: ["arn:aws:s3:::landing", "arn:aws:s3:::landing/*"],
        },
        {
          Effect: "Allow",
          Action: ["dynamodb:GetItem"],
          Resource: targetResources("Ledger", deployment),
        },
      ],
    });
  });
});

describe("silverTargetPathArns", () => {
  it("lists the buckets of path targets outside the lake, once each", () => {
    // Prepare
    const spec = (name: string, target: object) =>
      ({ name, silver: { target } }) as unknown as Parameters<typeof silverTargetPathArns>[0][number];
    // Act
    const arns = silverTargetPathArns([
      spec("a", { path: "s3://shared-lake/a/" }),
      spec("b", { path: "s3://shared-lake/b/" }),
      spec("c", { table: { name: "c" } }),
    ]);
    // Assess
    expect(arns).toEqual(["arn:aws:s3:::shared-lake", "arn:aws:s3:::shared-lake/*"]);
  });
});

describe("landingGraceSeconds", () => {
  it("outlasts every delivery S3 → Lambda may still make: the event's age, then three timed-out attempts", () => {
    // Assess
    const { delivery, timeoutSeconds } = functions.Ingest;
    expect(landingGraceSeconds).toBe(delivery.maxEventAgeSeconds + 3 * timeoutSeconds);
    expect(functions.SweepLanding.schedule.event.graceSeconds).toBe(landingGraceSeconds);
  });
});
