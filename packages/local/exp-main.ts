const t0 = performance.now();
await import("@medallion/core/dataset");
await import("./src/engine/index");
const { DuckDBInstance } = await import("@duckdb/node-api");
const i = await DuckDBInstance.create(":memory:");
const c = await i.connect();
await c.run("SELECT 1");
console.log("main", Math.round(performance.now() - t0));
