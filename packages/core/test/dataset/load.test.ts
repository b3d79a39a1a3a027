import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DatasetSpecError, DatasetSpecLoadError } from "../../src/dataset/errors";
import { loadDatasetSpec } from "../../src/dataset/load";

const body = (name: string) =>
  `{ name: "${name}", landingPrefix: "${name}/", fields: [{ name: "id", type: "string" as const }] }`;

describe("loadDatasetSpec", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "medallion-spec-"));
    await writeFile(join(dir, "default.ts"), `export default ${body("by_default")};\n`);
    await writeFile(join(dir, "named.ts"), `export const spec = ${body("by_name")};\n`);
    await writeFile(join(dir, "nothing.ts"), `export const other = ${body("other")};\n`);
    await writeFile(join(dir, "invalid.ts"), `export default { name: "ok_name", landingPrefix: "p/", fields: [] };\n`);
    await writeFile(join(dir, "throws.ts"), `throw new Error("boom at load");\n`);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("takes a TypeScript file's default export, or else its export named spec", async () => {
    // Act
    const specs = await Promise.all([loadDatasetSpec(join(dir, "default.ts")), loadDatasetSpec(join(dir, "named.ts"))]);
    // Assess
    expect(specs.map((spec) => spec.name)).toEqual(["by_default", "by_name"]);
  });

  it("names the file and the reason when it is missing, fails to load or exports no spec", async () => {
    // Act
    const attempts = ["missing.ts", "throws.ts", "nothing.ts"].map((file) =>
      loadDatasetSpec(join(dir, file)).catch((error: unknown) => error),
    );
    const [missing, throws, nothing] = await Promise.all(attempts);
    // Assess
    for (const error of [missing, throws, nothing]) expect(error).toBeInstanceOf(DatasetSpecLoadError);
    expect((missing as Error).message).toBe(`cannot load dataset spec ${join(dir, "missing.ts")}: no such file`);
    expect((throws as Error).message).toMatch(/throws\.ts: boom at load/);
    expect((nothing as Error).message).toMatch(/nothing\.ts: it has no default export and no export named `spec`/);
  });

  it("validates what it loads, naming the file and field path", async () => {
    // Act
    const error = await loadDatasetSpec(join(dir, "invalid.ts")).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(DatasetSpecError);
    expect(error).toMatchObject({
      file: join(dir, "invalid.ts"),
      issues: [{ path: "fields", reason: "a record needs at least one field" }],
    });
  });
});
