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
    for (const match of text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"/gm)) found.push({ file, name: match[1]! });
    for (const match of text.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g)) found.push({ file, name: match[1]! });
  }
  return found;
}

const packageOf = (name: string) => (name.startsWith("@") ? name.split("/").slice(0, 2).join("/") : name.split("/")[0]!);

describe("@medallion/core", () => {
  it("never imports SST, middy, DuckDB or the other workspaces: handlers and the embedded stack adapt core, not the reverse", async () => {
    // Act
    const imports = await sourceImports();
    const offenders = imports.filter(({ name }) => /^(@duckdb\/|sst$|sst\/|@middy\/|@medallion\/|@aws-lambda-powertools\/)/.test(name));
    // Assess: the scan sees the module graph (a broken pattern would find nothing), and no offender.
    expect(imports.filter(({ name }) => name.startsWith("@aws-sdk/")).length).toBeGreaterThan(10);
    expect(offenders).toEqual([]);
  });

  it("imports only the dependencies its package.json declares", async () => {
    // Prepare
    const manifest = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    const builtins = new Set([...builtinModules, ...builtinModules.map((name) => `node:${name}`)]);
    // Act
    const undeclared = (await sourceImports())
      .filter(({ name }) => !name.startsWith(".") && !builtins.has(name) && !builtins.has(name.split("/")[0]!))
      .filter(({ name }) => !(packageOf(name) in manifest.dependencies));
    // Assess
    expect(undeclared).toEqual([]);
  });
});
