import type { LakeReader } from "../ui/data";
import { UsageError } from "./errors";
import type { CommandContext } from "./index";
import { readLake, withTables } from "./lake";

/** The page's port when `--port` is not given. */
export const DEFAULT_UI_PORT = 4570;

/**
 * The `--port` of `ui` and `dev --ui`.
 * @param text the option's value (undefined: the default port)
 */
export function uiPort(text: string | undefined): number {
  if (text === undefined) return DEFAULT_UI_PORT;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value > 65_535) throw new UsageError(`--port ${text}: expected a port, 0 to 65535`);
  return value;
}

/**
 * Reads a data directory as the read-only commands do: through the process holding it (so the
 * page sees what `dev` or `run` just wrote), or by opening its state for each request.
 * @param dataDir the data directory
 */
export function directoryReader(dataDir: string): LakeReader {
  return {
    dataDir,
    tables: (fn) => withTables(dataDir, "ui", fn),
    read: (sql) => readLake(dataDir, sql),
  };
}

/** `medallion ui`: serves the read-only page on loopback until Ctrl-C. */
export async function execute(context: CommandContext): Promise<number> {
  const { out } = context;
  if (context.positionals.length)
    throw new UsageError(`medallion ui takes no arguments (got "${context.positionals.join(" ")}")`);
  const port = uiPort(context.values.port);
  const { serveUi } = await import("../ui/server");
  const server = await serveUi({ reader: directoryReader(context.dataDir), port });
  if (context.json) out.json({ url: server.url, dataDir: context.dataDir });
  else out.print(`medallion ui: ${server.url} (read-only view of ${context.dataDir}; Ctrl-C to stop)`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await server.close();
  return 0;
}
