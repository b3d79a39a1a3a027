import type { DatasetSpec } from "@medallion/core/dataset";
import { knownDatasets } from "@medallion/core/dataset";
import type { SilverDependencies } from "@medallion/functions/silver";
import { catalogDirectory, localCatalog } from "../catalog/index";
import { localClients } from "../services/clients";
import type { LocalServices } from "../services/index";
import type { DuckDbEngine } from "./duckdb";
import { duckdbEngine, lakeDatabaseFile, localTables } from "./duckdb";

/**
 * What the silver handlers need on the embedded stack: DuckDB as the engine, the JSON catalog,
 * and SDK clients pointed at s3rver and dynalite. Pass it to `silverHandlers` from
 * `@medallion/functions/silver`; call `close` when the stack stops.
 * @param options running services, state directory, datasets (default: every known one, read now)
 * @example const handlers = silverHandlers(() => deps); const plan = await handlers.plan({ dataset }, context);
 */
export async function localSilverDependencies({
  services,
  dataDir,
  datasets = knownDatasets(),
}: {
  services: LocalServices;
  dataDir: string;
  datasets?: Record<string, DatasetSpec>;
}): Promise<SilverDependencies & { engine: DuckDbEngine; stop(): Promise<void>; close(): void }> {
  const clients = localClients(services.env);
  const { s3, doc } = clients;
  const catalog = localCatalog({ directory: catalogDirectory(dataDir) });
  const buckets = { bronze: services.names.Bronze!, silver: services.names.Silver! };
  const engine = await duckdbEngine({
    s3,
    s3Directory: services.s3.directory,
    catalog,
    datasets: Object.values(datasets),
    buckets: { ...buckets, quarantine: services.names.Quarantine! },
    databaseFile: lakeDatabaseFile(dataDir),
  });
  return {
    s3,
    doc,
    ledgerTable: services.names.Ledger!,
    engine,
    catalog,
    datasets,
    buckets,
    tables: localTables,
    stop: () => engine.stop(),
    close() {
      engine.close();
      clients.destroy();
    },
  };
}
