import { mkdir } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import dynalite from "dynalite";
import type { KeyAttributes } from "./dynamo-limits";
import { withDynamoLimits } from "./dynamo-limits";
import { PortInUseError } from "./errors";

/** The embedded DynamoDB endpoint. */
export interface LocalDynamo {
  endpoint: string;
  close(): Promise<void>;
}

/**
/**
 * Starts dynalite on a loopback port, with tables persisted (LevelDB) under
 * `<dataDir>/dynamodb`. Table changes take effect at once, unlike DynamoDB's minutes. Key and
 * item sizes are checked in UTF-8 bytes, as DynamoDB counts them, before dynalite sees a request.
 * @param dataDir state directory
 * @param port the port (0: any free one)
 * @param keys key attributes by physical table name
 * @throws PortInUseError when `port` is taken
 */
export async function startDynamo(dataDir: string, port = 0, keys: KeyAttributes = {}): Promise<LocalDynamo> {
  const path = join(dataDir, "dynamodb");
  await mkdir(path, { recursive: true });
  const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const [handler] = server.listeners("request") as Parameters<typeof withDynamoLimits>[0][];
  server.removeAllListeners("request");
  server.on("request", withDynamoLimits(handler!, keys));
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
