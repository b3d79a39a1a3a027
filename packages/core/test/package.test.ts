import { readdir, readFile } from "node:fs/promises";
import { builtinModules } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

async function sourceImports(): Promise<{ file: string; name: string }[]> {
  const entries = await readdir(join(root, "src"), { recursive: true, withFileTypes: true });
  const found: { file: string; name: string }[] = [];
  for (const entry of entries) {
    if (!entry.isFile() || !entry.name.endsWith(".ts")) continue;
    const file = join(entry.parentPath, entry.name);
    const text = await readFile(file, "utf8");
    // Static imports/re-exports (possibly over several lines) and dynamic imports.
    for (const match of text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"/gm))
      found.push({ file, name: match[1]! });
    for (const match of text.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g)) found.push({ file, name: match[1]! });
  }
  return found;
}

const packageOf = (name: string) =>
  name.startsWith("@") ? name.split("/").slice(0, 2).join("/") : name.split("/")[0]!;

describe("@medallion/core", () => {
  it("never imports SST, middy, DuckDB or the other workspaces: handlers and the embedded stack adapt core, not the reverse", async () => {
    // Act
    const imports = await sourceImports();
    const offenders = imports.filter(({ name }) =>
      /^(@duckdb\/|sst$|sst\/|@middy\/|@medallion\/|@aws-lambda-powertools\/)/.test(name),
    );
    // Assess: the scan sees the module graph (a broken pattern would find nothing), and no offender.
    expect(imports.filter(({ name }) => name.startsWith("@aws-sdk/")).length).toBeGreaterThan(10);
    expect(offenders).toEqual([]);
  });

  it("builds no SDK client: clients are passed in", async () => {
    // Prepare
    const entries = await readdir(join(root, "src"), { recursive: true, withFileTypes: true });
    // Act
    const builders: string[] = [];
    for (const entry of entries.filter((e) => e.isFile() && e.name.endsWith(".ts"))) {
      // Code only: a doc comment may show how a caller builds one.
      const text = (await readFile(join(entry.parentPath, entry.name), "utf8")).replace(/\/\*[\s\S]*?\*\//g, "");
      if (/new (S3|DynamoDB|Athena|Glue)Client\(|DynamoDBDocumentClient\.from\(/.test(text)) builders.push(entry.name);
    }
    // Assess
    expect(entries.length).toBeGreaterThan(50);
    expect(builders).toEqual([]);
  });

  it("keeps the modules infra imports free of the AWS SDK (they run inside the SST program at deploy time)", async () => {
    // Prepare: the modules infra/ imports, and every file they reach through relative imports.
    const imports = await sourceImports();
    const byFile = new Map<string, string[]>();
    for (const { file, name } of imports) byFile.set(file, [...(byFile.get(file) ?? []), name]);
    const seen = new Set<string>();
    const queue = ["catalog", "dataset", "resources", "schedule", "sources"].map((module) =>
      join(root, "src", module, "index.ts"),
    );
    // Act
    const reached: string[] = [];
    while (queue.length > 0) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const name of byFile.get(file) ?? []) {
        if (name.startsWith(".")) queue.push(join(file, "..", name.endsWith(".ts") ? name : `${name}.ts`));
        else reached.push(name);
      }
    }
    // Assess
    expect(seen.size).toBeGreaterThan(10);
    expect(reached.filter((name) => name.startsWith("@aws-sdk/"))).toEqual([]);
  });

  it("imports only the dependencies its package.json declares", async () => {
    // Prepare
    const manifest = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    const builtins = new Set([...builtinModules, ...builtinModules.map((name) => `node:${name}`)]);
    // Act
    const undeclared = (await sourceImports())
      .filter(({ name }) => !name.startsWith(".") && !builtins.has(name) && !builtins.has(name.split("/")[0]!))
      .filter(({ name }) => !(packageOf(name) in manifest.dependencies));
    // Assess
    expect(undeclared).toEqual([]);
  });
});
