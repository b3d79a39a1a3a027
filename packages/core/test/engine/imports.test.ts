import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const src = fileURLToPath(new URL("../../src", import.meta.url));

describe("the SQL seam in core", () => {
  it("never imports DuckDB, SST or middy: adapters for the embedded stack live in packages/local", async () => {
    // Prepare
    const files: string[] = [];
    for (const dir of ["sql", "engine", "silver"]) {
      for (const name of await readdir(join(src, dir))) files.push(join(src, dir, name));
    }
    // Act
    const offenders: string[] = [];
    for (const file of files) {
      const imports = [...(await readFile(file, "utf8")).matchAll(/from\s+"([^"]+)"/g)].map((m) => m[1]!);
      for (const name of imports) if (/^(@duckdb\/|sst$|sst\/|@middy\/)/.test(name)) offenders.push(`${file}: ${name}`);
    }
    // Assess
    expect(files.length).toBeGreaterThan(10);
    expect(offenders).toEqual([]);
  });
});
