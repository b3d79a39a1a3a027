import { mkdir } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import dynalite from "dynalite";
import { PortInUseError } from "./errors";

/** The embedded DynamoDB endpoint. */
export interface LocalDynamo {
  endpoint: string;
  close(): Promise<void>;
}

/**
 * Starts dynalite on a loopback port, with tables persisted (LevelDB) under
 * `<dataDir>/dynamodb`. Table changes take effect at once, unlike DynamoDB's minutes.
 * @param dataDir state directory
 * @param port the port (0: any free one)
 * @throws PortInUseError when `port` is taken
 */
export async function startDynamo(dataDir: string, port = 0): Promise<LocalDynamo> {
  const path = join(dataDir, "dynamodb");
  await mkdir(path, { recursive: true });
  const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "EADDRINUSE"
          ? new PortInUseError(`DynamoDB port ${port} is in use (another medallion dev?)`, { cause: error })
          : error,
      ),
    );
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    // Closing the server flushes and closes the LevelDB store: no write is lost.
    close: () => new Promise<void>((resolve, reject) => server.close((err?: Error) => (err ? reject(err) : resolve()))),
  };
}
