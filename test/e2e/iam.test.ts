import { CreateBucketCommand, DeleteBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import type { DatasetSpec } from "@medallion/core/dataset";
import { registerDataset, unregisterDataset } from "@medallion/core/dataset";
import type { SweepResult } from "@medallion/core/ingest";
import type { RedriveSummary } from "@medallion/core/redrive";
import { runPipeline, sampleFiles } from "@medallion/local/commands/run";
import type { RecordedCall } from "@medallion/local/iam/recorder";
import { s3Notification } from "@medallion/local/notifications";
import type { LocalStack } from "@medallion/local/stack";
import type { Access } from "@medallion/stacks/functions";
import { functions, STATE_MACHINE, stateMachineAccess } from "@medallion/stacks/functions";
import type { Deployment } from "@medallion/stacks/policy";
import { grants } from "@medallion/stacks/policy";
import type { EmbeddedStack } from "@medallion/testing/embedded-stack";
import { startEmbeddedStack } from "@medallion/testing/embedded-stack";
import type { FixtureApi } from "@medallion/testing/fixture-api";
import { fixtureSource, readings, startFixtureApi } from "@medallion/testing/fixture-api";
import type { Accesses } from "@medallion/testing/iam";
import { declaredAccess, deniedCalls, formatDenials, localDeployment, unusedGrants } from "@medallion/testing/iam";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import weatherStations from "../../datasets/weather-stations";

/** Resolves once `condition` holds (polled), or fails after a few seconds. */
async function until(condition: () => Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("condition not met in 5 s");
}

// A user's dataset whose replaced silver versions expire at once, so a run's finish deletes them.
const weather: DatasetSpec = {
  ...weatherStations,
  name: "iam_weather",
  landingPrefix: "iam_weather/",
  silver: { ...weatherStations.silver!, retentionDays: 0 },
};

// A user's dataset as first declared (humidity an integer), then widened: what `redrive` is for.
const widened: DatasetSpec = { ...weather, name: "iam_redrive", landingPrefix: "iam_redrive/" };
const narrowed: DatasetSpec = {
  ...widened,
  fields: widened.fields.map((field) => (field.name === "humidity_pct" ? { ...field, type: "integer" } : field)),
} as DatasetSpec;
const reading = (humidity: number) =>
  JSON.stringify({
    station_id: "lis-01",
    observed_at: "2024-05-01T10:00:00Z",
    temperature_c: 18,
    humidity_pct: humidity,
    city: "lisbon",
    wind: { speed_ms: 2, gust_ms: 3 },
  });

// The IAM contract. Every function (and the state machine) runs on the embedded stack through
// the paths it takes on AWS, failures included, while every AWS call is recorded per principal;
// each call is then evaluated offline against the policy infra builds from the same declaration
// (`access` in @medallion/stacks/functions), with @cloud-copilot/iam-simulate.
describe("IAM: every recorded call against the policy infra gives its principal", () => {
  let lake: EmbeddedStack;
  let stack: LocalStack;
  let api: FixtureApi;
  let calls: RecordedCall[];
  let deployment: Deployment;
  let accesses: Accesses;

  beforeAll(async () => {
    registerDataset(weather);
    lake = await startEmbeddedStack({ name: "iam" });
    stack = lake.stack;
    const { s3, dataDir } = lake;
    const landing = stack.names.Landing!;
    const land = async (key: string, body: string) => {
      expect((await lake.land(key, body)).error).toBeUndefined();
    };

    // A lost ingest: bronze is unreachable for every attempt, so the event goes to the
    // on-failure destination; once bronze is back, the sweeper re-drives the file.
    await s3.send(new DeleteBucketCommand({ Bucket: stack.names.Bronze }));
    const lost = await s3.send(
      new PutObjectCommand({
        Bucket: landing,
        Key: "car_telemetry/lost.json",
        Body: JSON.stringify({
          carChassis: "LOST1",
          currentMileage: 1,
          metricTimestamp: "2024-05-01T10:00:00Z",
        }),
      }),
    );
    expect((await stack.ingested("car_telemetry/lost.json", lost.ETag!)).error).toMatch(/on-failure queue/);
    await s3.send(new CreateBucketCommand({ Bucket: stack.names.Bronze }));
    const swept = (await stack.invoke("SweepLanding", { graceSeconds: 1 })) as SweepResult;
    expect(swept.redriven).toEqual(["car_telemetry/lost.json"]);
    await until(async () => (await stack.ingested("car_telemetry/lost.json", lost.ETag!)).result !== undefined);
    // S3 delivers at least once: the same event again finds the file ingested and already archived.
    await stack.invoke(
      "Ingest",
      s3Notification({
        eventName: "ObjectCreated:Put",
        bucket: landing,
        key: "car_telemetry/lost.json",
        size: 1,
        eTag: lost.ETag!,
        sequencer: "0",
      }),
    );

    // Both shipped datasets end to end, then the same files again (duplicates, archived again;
    // nothing pending, so no pipeline run).
    for (const [index, dataset] of ["car_telemetry", "operations", "car_telemetry"].entries()) {
      const run = await runPipeline({ stack, dataset, files: sampleFiles(dataset), dataDir });
      expect(run.pipeline.status).toBe(index < 2 ? "SUCCEEDED" : "SKIPPED");
    }
    // A second run into the same partition replaces its version; retention 0 expires the old one.
    for (const [hour, humidity] of [
      [11, 60],
      [12, 70],
    ] as const) {
      await land(`iam_weather/${hour}.json`, reading(humidity));
      const run = await stack.execute({
        dataset: weather.name,
        window: { from: `2024-05-01T${hour}:00:00Z`, to: `2024-05-01T${hour + 1}:00:00Z` },
      });
      expect(run.status).toBe("SUCCEEDED");
    }
    // A landing key uploaded again with other content: its older version retired, the next run a recompute.
    await land("iam_weather/11.json", reading(65));
    const recomputed = await stack.execute({
      dataset: weather.name,
      window: { from: "2024-05-01T15:00:00Z", to: "2024-05-01T16:00:00Z" },
    });
    expect(recomputed.status).toBe("SUCCEEDED");
    // Two runs of one dataset at once: the second waits for the lock the first holds.
    await land("car_telemetry/late.json", reading(1).replace("station_id", "carChassis"));
    const concurrent = await Promise.all(
      [13, 14].map((hour) =>
        stack.execute({
          dataset: "car_telemetry",
          window: { from: `2024-06-01T${hour}:00:00Z`, to: `2024-06-01T${hour + 1}:00:00Z` },
        }),
      ),
    );
    expect(concurrent.map((run) => run.status)).toEqual(["SUCCEEDED", "SUCCEEDED"]);
    // A rebuild: every bronze file pending again, silver and gold recomputed, the rebuild's partitions recorded.
    const rebuilt = await stack.execute({ dataset: weather.name, window: "hourly", rebuild: { id: "iam-rebuild" } });
    expect(rebuilt.status).toBe("SUCCEEDED");
    // A failed run: the state machine fails the journey and releases the lock.
    const plan = stack.pipeline.PlanSilver;
    stack.pipeline.PlanSilver = async () => {
      throw new Error("injected failure");
    };
    const failed = await stack.execute({
      dataset: "car_telemetry",
      window: { from: "2024-01-01T00:00:00Z", to: "2024-01-02T00:00:00Z" },
    });
    stack.pipeline.PlanSilver = plan;
    expect(failed.status).toBe("FAILED");
    // A run that fails with a silver plan in hand: the failure path counts it on the plan's files.
    await land(
      "car_telemetry/failing.json",
      JSON.stringify({ carChassis: "FAIL1", currentMileage: 2, metricTimestamp: "2024-05-02T10:00:00Z" }),
    );
    const commit = stack.pipeline.CommitSilver;
    stack.pipeline.CommitSilver = async () => {
      throw new Error("injected failure");
    };
    const failedWithPlan = await stack.execute({
      dataset: "car_telemetry",
      window: { from: "2024-01-02T00:00:00Z", to: "2024-01-03T00:00:00Z" },
    });
    stack.pipeline.CommitSilver = commit;
    expect(failedWithPlan.status).toBe("FAILED");
    // The nightly gold maintenance, and a pull of an HTTP source into landing.
    await stack.invoke("OptimizeGold", { dataset: "car_telemetry" });
    api = await startFixtureApi({ records: readings({ from: "2024-05-01T00:00:00Z", hours: 1, count: 3 }) });
    const source = fixtureSource(api.origin, "cursor", { name: "iam-fixture" });
    const { pullHandler } = await import("@medallion/functions/pull");
    await stack.invoke(
      "Pull",
      { source: source.name, window: "hourly", time: "2024-05-01T01:05:00Z" },
      pullHandler({ sources: { [source.name]: source } }),
    );
    // A redrive: a reading rejected under a narrower spec (humidity an integer) passes once it is a double again.
    registerDataset(narrowed);
    // A file with no reading that passes lands in _failed/, and moves to _done/ once they pass.
    await land("iam_redrive/half.json", `${reading(60)}\n${reading(60.5)}`);
    await land("iam_redrive/halves.json", `${reading(61.5)}`);
    registerDataset(widened);
    const redriven = (await stack.invoke("Redrive", { dataset: widened.name })) as RedriveSummary;
    expect(redriven.records).toEqual({ tried: 2, recovered: 2, stillFailing: 0 });
    expect(redriven.archived).toEqual(["_done/iam_redrive/halves.json"]);
    await stack.drain();

    calls = stack.calls();
    deployment = localDeployment(stack.names);
    accesses = declaredAccess(stateMachineAccess);
  });
  afterAll(async () => {
    unregisterDataset(weather.name);
    unregisterDataset(widened.name);
    await api?.close();
    await lake?.close();
  });

  it("allows every call each function and the state machine made", async () => {
    // Act
    const denials = await deniedCalls(calls, accesses, deployment);
    // Assess
    expect(formatDenials(denials)).toBe("");
  });

  it("saw every principal with rights a local run uses make calls", () => {
    // Prepare
    const principals = new Set(calls.map((call) => call.principal));
    const exercised = Object.entries(accesses)
      .filter(([, access]) => grants(access).some((grant) => !grant.unexercised))
      .map(([name]) => name);
    // Assess
    expect(exercised).toContain(STATE_MACHINE);
    expect(exercised.filter((name) => !principals.has(name))).toEqual([]);
  });

  it("grants nothing no run used, except what only AWS calls (each with its reason)", () => {
    // Act
    const unused = unusedGrants(calls, accesses, deployment);
    // Assess: the least-privilege report, and nothing in it without a declared reason.
    console.info(
      `IAM: ${calls.length} distinct calls recorded; granted but used only on AWS:\n${unused
        .map(
          (grant) => `  ${grant.principal}: ${grant.action} on ${grant.target} (${grant.unexercised ?? "NO REASON"})`,
        )
        .join("\n")}`,
    );
    expect(
      unused
        .filter((grant) => !grant.unexercised)
        .map((grant) => `${grant.principal}: ${grant.action} on ${grant.target}`),
    ).toEqual([]);
  });

  it("fails naming the function, action and resource when one needed permission is removed", async () => {
    // Prepare: Ingest without s3:PutObject on the bronze bucket.
    const ingest = functions.Ingest.access;
    const withoutBronzeWrites: Access = { ...ingest, Bronze: ingest.Bronze.filter((a) => a !== "s3:PutObject") };
    // Act
    const denials = await deniedCalls(calls, { ...accesses, Ingest: withoutBronzeWrites }, deployment);
    // Assess
    console.info(`IAM check with Ingest's s3:PutObject on Bronze removed:\n${formatDenials(denials)}`);
    expect(denials.length).toBeGreaterThan(0);
    for (const denial of denials) {
      expect(denial).toMatchObject({ principal: "Ingest", action: "s3:PutObject", reason: "ImplicitlyDenied" });
      expect(denial.resource).toMatch(/^arn:aws:s3:::medallion-local-bronze\/[a-z_]+\/ingest_date=/);
    }
  });

  it("fails naming an SDK call it has no IAM mapping for", async () => {
    // Prepare
    const unknown: RecordedCall = {
      principal: "Ingest",
      action: "s3:PutBucketTagging",
      resource: "(unknown)",
      unmapped: true,
      via: "S3 PutBucketTagging",
      count: 1,
    };
    // Act
    const denials = await deniedCalls([unknown], accesses, deployment);
    // Assess
    expect(formatDenials(denials)).toBe(
      "Ingest: s3:PutBucketTagging on (unknown) (S3 PutBucketTagging) → no IAM mapping for this SDK call: add it to packages/local/src/iam/requests.ts",
    );
  });
});
