import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import { commands, options } from "@medallion/local/commands/index";
import { medallion } from "@medallion/testing/cli";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The README's CLI sections, run: their commands on a sample lake, their DuckDB recipes in DuckDB.

const repo = fileURLToPath(new URL("../../", import.meta.url));
const readme = await readFile(join(repo, "README.md"), "utf8");

/** The `npx medallion query …` lines of the README block marked `<!-- run: <name> -->`: json flag and SQL. */
function queries(name: string): { json: boolean; sql: string }[] {
  const marker = `<!-- run: ${name} -->\n\`\`\`sh\n`;
  const start = readme.indexOf(marker);
  if (start < 0) throw new Error(`no README block marked ${name}`);
  const block = readme.slice(start + marker.length, readme.indexOf("```", start + marker.length));
  return [...block.matchAll(/^npx medallion query (--json )?"([^"]+)"/gm)].map((m) => ({ json: !!m[1], sql: m[2]! }));
}

describe("the README's CLI sections", () => {
  let root: string;
  let dataDir: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "medallion-readme-cli-"));
    dataDir = join(root, ".medallion");
    const run = await medallion(["run", "--sample", "--data-dir", dataDir]);
    expect(run.code, run.stderr).toBe(0);
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it("documents every command and every option the CLI has", () => {
    // Prepare
    const section = readme.slice(readme.indexOf("## The `medallion` CLI"), readme.indexOf("## Reading the lake"));
    // Assess
    for (const command of commands) expect(section).toContain(`\`medallion ${command.name}`);
    for (const option of Object.keys(options).filter((name) => name !== "help" && name !== "version"))
      expect(readme).toContain(`--${option}`);
  });

  it("runs its query and quarantine examples", async () => {
    // Act
    const examples = [...queries("query examples"), ...queries("quarantine examples")];
    const results = await Promise.all(examples.map(({ sql }) => medallion(["query", sql, "--data-dir", dataDir])));
    // Assess
    expect(examples).toHaveLength(6);
    for (const [index, result] of results.entries()) {
      expect(result.code, `${examples[index]!.sql}\n${result.stderr}`).toBe(0);
      expect(result.stdout, examples[index]!.sql).toMatch(/^┌/);
    }
    expect(results[3]!.stdout).toContain('schema: currentMileage: expected a number, got "twelve thousand"');
    expect(results[5]!.stdout).toContain("car_telemetry/2024-05-02/gateway-west-partial.json");
  });

  it("opens the lake in DuckDB directly and read-only, as it says: gold, bronze, and silver through the views script", async () => {
    // Act: the script as `jq -r '.results[0].rows[0].script'` takes it out, run as `duckdb -init` would.
    const { sql } = queries("duckdb views script")[0]!;
    const written = await medallion(["query", "--json", sql, "--data-dir", dataDir]);
    const script = (JSON.parse(written.stdout) as { results: { rows: { script: string }[] }[] }).results[0]!.rows[0]!
      .script;
    const shell = await (await DuckDBInstance.create(":memory:")).connect();
    // The shell runs in the folder holding .medallion; here the one relative path is made absolute.
    await shell.run(script.replace("'.medallion/", `'${dataDir}/`));
    const count = async (sqlText: string) => Number((await shell.runAndReadAll(sqlText)).getRowObjectsJson()[0]!.n);
    const bronzeGlob = readme.match(/read_parquet\('\.medallion(\/s3\/medallion-local-bronze\/[^']+)'/)![1]!;

    // Assess
    expect(written.code, written.stderr).toBe(0);
    expect(await count("SELECT count(*) AS n FROM silver.car_telemetry")).toBe(12);
    expect(await count("SELECT count(*) AS n FROM lake.gold.car_monthly")).toBe(6);
    expect(await count("SELECT count(*) AS n FROM quarantine.car_telemetry")).toBe(4);
    expect(await count("SELECT count(*) AS n FROM bronze.car_telemetry")).toBe(90);
    expect(
      await count(`SELECT count(*) AS n FROM read_parquet('${dataDir}${bronzeGlob}', hive_partitioning = true)`),
    ).toBe(90);
    await expect(shell.run("INSERT INTO lake.gold.car_monthly (car) VALUES ('X')")).rejects.toThrow(/read-only/);
    shell.closeSync();
  });
});
