import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { lakeDatabaseFile } from "../src/engine/index";
import { startServices } from "../src/services/index";
import { startStack } from "../src/stack";

describe("startStack", () => {
  let dataDir: string;
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("frees the data directory and its services when it fails after they started", async () => {
    // Prepare: the lake's DuckDB file is a folder, so opening the engine fails after S3 and
    // DynamoDB are up and the data directory is claimed.
    dataDir = await mkdtemp(join(tmpdir(), "medallion-stack-"));
    await mkdir(lakeDatabaseFile(dataDir));
    // Act
    const failed = startStack({ dataDir, logLevel: "SILENT" });
    // Assess: the error is the engine's; the directory can be claimed again at once.
    await expect(failed).rejects.toThrow();
    const again = await startServices({ dataDir });
    await again.close();
  });

  it("loads the pipeline handlers with X-Ray's SDK keeping no async hook: its Tracer is off outside Lambda", async () => {
    // Prepare
    dataDir = await mkdtemp(join(tmpdir(), "medallion-stack-"));
    // Act: the stack loads every handler; the pipeline's import the Tracer, hence the X-Ray SDK
    const stack = await startStack({ dataDir, logLevel: "SILENT" });
    await stack.close();
    // Assess: cls-hooked was loaded (it keeps its namespaces on `process`), and no namespace was
    // made: in automatic mode X-Ray's would hook every promise and callback of the process.
    const namespaces = (process as { namespaces?: Record<string, unknown> }).namespaces;
    expect(process.env.AWS_XRAY_MANUAL_MODE).toBe("true");
    expect(namespaces).toBeDefined();
    expect(namespaces?.AWSXRay).toBeUndefined();
  });
});
