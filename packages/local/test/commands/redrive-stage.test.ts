import { readFile } from "node:fs/promises";
import type { InvokeCommandInput, InvokeCommandOutput } from "@aws-sdk/client-lambda";
import { InvokeCommand, LambdaClient, ResourceNotFoundException } from "@aws-sdk/client-lambda";
import type { RedriveSummary } from "@medallion/core/redrive";
import { APP_NAME } from "@medallion/stacks/functions";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import type { Output } from "../../src/commands/output";
import { redriveOnStage } from "../../src/commands/redrive-stage";

const lambda = mockClient(LambdaClient);

/** An Output that keeps what a command wrote: stdout lines, stderr notes, JSON documents. */
function capture() {
  const written = { stdout: [] as string[], stderr: [] as string[], json: [] as unknown[] };
  const out: Output = {
    print: (text) => void written.stdout.push(text),
    json: (value) => void written.json.push(value),
    jsonLine: (value) => void written.json.push(value),
    note: (text) => void written.stderr.push(text),
    style: (_, text) => text,
    noteStyle: (_, text) => text,
    width: undefined,
  };
  return { out, written };
}

// What the deployed function returns: one file's records partly recovered, one set-aside file back to pending.
const summary: RedriveSummary = {
  dataset: "car_telemetry",
  from: "2024-05-01",
  records: { tried: 3, recovered: 2, stillFailing: 1 },
  failedFiles: { tried: 0, recovered: 0, stillFailing: 0 },
  files: [
    { fileId: "car_telemetry/a.ndjson", tried: 3, recovered: 2, stillFailing: 1 } as RedriveSummary["files"][number],
  ],
  failed: [],
  archived: [],
  setAside: [{ fileId: "car_telemetry/b.ndjson", failedStep: "silver", lastError: "QueryFailedError" }],
};
// The SDK wraps the payload's bytes in a blob adapter; the command reads them as bytes.
const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)) as InvokeCommandOutput["Payload"];
const sentPayloads = () =>
  lambda
    .commandCalls(InvokeCommand)
    .map((call) => call.args[0].input as InvokeCommandInput)
    .map(({ FunctionName, InvocationType, Payload }) => ({
      FunctionName,
      InvocationType,
      event: JSON.parse(new TextDecoder().decode(Payload as Uint8Array)),
    }));

describe("medallion redrive --stage", () => {
  afterEach(() => lambda.reset());

  it("invokes the stage's Redrive function by its fixed name and prints the summary a local redrive prints", async () => {
    // Prepare
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: bytes(summary) });
    const { out, written } = capture();
    // Act
    const code = await redriveOnStage({
      dataset: "car_telemetry",
      from: "2024-05-01",
      stage: "prod",
      out,
      json: false,
      lambda: new LambdaClient({ region: "eu-west-1" }),
    });
    // Assess
    expect(code).toBe(0);
    expect(sentPayloads()).toEqual([
      {
        FunctionName: "medallion-prod-redrive",
        InvocationType: "RequestResponse",
        event: { dataset: "car_telemetry", from: "2024-05-01" },
      },
    ]);
    expect(written.stdout.join("\n")).toBe(
      [
        "medallion redrive: car_telemetry",
        "  quarantined records  3 tried, 2 recovered, 1 still failing",
        "  files in _failed/    0 tried, 0 recovered, 0 still failing",
        "  set-aside files      1 pending again",
        "  pipeline             not run here: stage prod's next scheduled run consolidates",
      ].join("\n"),
    );
    expect(written.stderr.slice(1)).toEqual([
      "  car_telemetry/b.ndjson: set aside (silver: QueryFailedError), pending again",
      "  car_telemetry/a.ndjson: 2 of 3 record(s) recovered, 1 still failing",
    ]);
  });

  it("prints the summary as one JSON document with --json", async () => {
    // Prepare
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: bytes(summary) });
    const { out, written } = capture();
    // Act
    const code = await redriveOnStage({ dataset: "car_telemetry", stage: "dev", out, json: true });
    // Assess
    expect(code).toBe(0);
    expect(sentPayloads()[0]).toMatchObject({
      FunctionName: "medallion-dev-redrive",
      event: { dataset: "car_telemetry" },
    });
    expect(written.json).toEqual([{ ...summary, function: "medallion-dev-redrive", pipeline: null, error: null }]);
    expect(written.stdout).toEqual([]);
  });

  it("prints a function error as one line and exits 1", async () => {
    // Prepare: Lambda answers 200 with FunctionError set and the handler's error as the payload.
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: "Unhandled",
      Payload: bytes({
        errorType: "RedriveRequestError",
        errorMessage: "unknown dataset parcels;\nknown: car_telemetry",
        trace: ["RedriveRequestError: unknown dataset parcels", "    at handler (/var/task/index.mjs:1:1)"],
      }),
    });
    const { out, written } = capture();
    // Act
    const code = await redriveOnStage({ dataset: "parcels", stage: "prod", out, json: false });
    // Assess
    expect(code).toBe(1);
    expect(written.stdout).toEqual([]);
    expect(written.stderr.slice(1)).toEqual([
      "medallion redrive: medallion-prod-redrive failed: RedriveRequestError: unknown dataset parcels; known: car_telemetry",
    ]);
  });

  it("says which stage may not be deployed when the function does not exist (exit 1)", async () => {
    // Prepare
    lambda
      .on(InvokeCommand)
      .rejects(new ResourceNotFoundException({ message: "Function not found: medallion-qa-redrive", $metadata: {} }));
    const { out, written } = capture();
    // Act
    const code = await redriveOnStage({ dataset: "car_telemetry", stage: "qa", out, json: true });
    // Assess
    expect(code).toBe(1);
    expect(written.json).toEqual([
      {
        function: "medallion-qa-redrive",
        pipeline: null,
        error: {
          name: "ResourceNotFoundException",
          message: expect.stringContaining("is stage qa deployed? sst deploy --stage qa"),
        },
      },
    ]);
    expect(written.stderr.at(-1)).toMatch(
      /^medallion redrive: medallion-qa-redrive failed: ResourceNotFoundException: /,
    );
  });

  it("names functions after the app sst.config.ts declares", async () => {
    // Act
    const config = await readFile(new URL("../../../../sst.config.ts", import.meta.url), "utf8");
    // Assess
    expect(config).toContain(`name: "${APP_NAME}",`);
  });
});
