import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { LocalClients } from "@medallion/local/services/clients";
import { localClients } from "@medallion/local/services/clients";
import type { IngestOutcome, LocalStack, StackOptions } from "@medallion/local/stack";
import { startStack } from "@medallion/local/stack";

/** Options of {@link startEmbeddedStack}: the stack's own, but for the data directory, which is always fresh. */
export interface EmbeddedStackOptions extends Omit<StackOptions, "dataDir"> {
  /** Names the temp data directory (`medallion-<name>-…`), so a leftover says which test left it. */
  name: string;
}

/** The embedded stack in a fresh temp directory, with SDK clients pointed at it. */
export interface EmbeddedStack {
  /** The temp data directory, removed by {@link EmbeddedStack.close}. */
  dataDir: string;
  /** The stack now running (another one after {@link EmbeddedStack.restart}). */
  readonly stack: LocalStack;
  /** Physical bucket/table names by link name. */
  names: Record<string, string>;
  /** The loopback ports S3 and DynamoDB serve on, kept by a restart (a second stack may take them too). */
  ports: { s3: number; dynamodb: number };
  s3: S3Client;
  doc: DynamoDBDocumentClient;
  /**
   * Puts an object into the landing bucket and resolves once it has been ingested (or has failed
   * for good); the outcome says which, the caller asserts what it expects.
   * @param key the landing key, dataset prefix included (`car_telemetry/a.ndjson`)
   * @param body the object's bytes or text, or records written one JSON line each (NDJSON)
   */
  land(key: string, body: string | Uint8Array | readonly object[]): Promise<IngestOutcome>;
  /**
   * Closes the stack and starts another on the same data directory and ports, as the next command
   * on the same data would. The ports stay because handler modules build their SDK clients once
   * per process; the clients here stay valid for the same reason.
   * @returns the new stack, which {@link EmbeddedStack.stack} is from now on
   */
  restart(): Promise<LocalStack>;
  /** Destroys the clients, closes the stack and removes the data directory. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts the embedded stack (`process.env` set as on Lambda, landing wired to ingest) in a fresh
 * temp directory, Powertools logs silenced. If start-up fails half-way, what was started is
 * closed and the directory removed before the error is thrown.
 * @param options the directory's name, and the stack's options (ports, `onIngested`…)
 * @example
 * let lake: EmbeddedStack;
 * beforeAll(async () => { lake = await startEmbeddedStack({ name: "pipeline" }); });
 * afterAll(() => lake?.close());
 */
export async function startEmbeddedStack({
  name,
  logLevel = "SILENT",
  ...stackOptions
}: EmbeddedStackOptions): Promise<EmbeddedStack> {
  const dataDir = await mkdtemp(join(tmpdir(), `medallion-${name}-`));
  // The stack running now (another after a restart): what close() closes, if start-up got that far.
  let running: LocalStack | undefined;
  let clients: LocalClients | undefined;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      try {
        clients?.destroy();
        await running?.close();
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    })();
    return closing;
  };
  try {
    running = await startStack({ ...stackOptions, dataDir, logLevel });
    clients = localClients(running.services.env);
  } catch (error) {
    await close();
    throw error;
  }
  const { s3, doc } = clients;
  const { names, services } = running;
  const ports = {
    s3: Number(new URL(services.s3.endpoint).port),
    dynamodb: Number(new URL(services.dynamoEndpoint).port),
  };
  return {
    dataDir,
    get stack() {
      return running!;
    },
    names,
    ports,
    s3,
    doc,
    async land(key, body) {
      const bytes =
        typeof body === "string" || body instanceof Uint8Array
          ? body
          : body.map((record) => JSON.stringify(record)).join("\n");
      const put = await s3.send(new PutObjectCommand({ Bucket: names.Landing, Key: key, Body: bytes }));
      return running!.ingested(key, put.ETag!);
    },
    async restart() {
      await running!.close();
      running = await startStack({ ...stackOptions, dataDir, logLevel, ports });
      return running;
    },
    close,
  };
}
