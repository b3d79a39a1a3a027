import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const dir = fileURLToPath(new URL("../../src/sources", import.meta.url));

describe("the sources module", () => {
  it("imports no SST, middy or DuckDB and builds no SDK client: clients and fetch are passed in", async () => {
    // Prepare
    const files = (await readdir(dir)).filter((name) => name.endsWith(".ts"));
    // Act
    const offenders: string[] = [];
    for (const name of files) {
      const text = await readFile(join(dir, name), "utf8");
      for (const match of text.matchAll(/from\s+"([^"]+)"/g)) if (/^(@duckdb\/|sst$|sst\/|@middy\/)/.test(match[1]!)) offenders.push(`${name}: ${match[1]}`);
      if (/new (S3|DynamoDB)Client\(|DynamoDBDocumentClient\.from\(/.test(text)) offenders.push(`${name}: builds an SDK client`);
    }
    // Assess
    expect(files.length).toBeGreaterThan(8);
    expect(offenders).toEqual([]);
  });
});
