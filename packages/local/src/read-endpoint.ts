import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { ReadResult } from "./engine/reads";

/**
 * The process holding a data directory owns its lake's DuckDB file (one writer, and DuckDB lets
 * no other process read beside it), so it answers reads for the others: `POST /read` with SQL
 * text, on loopback, with a token only readers of the data directory know (the endpoint runs
 * SQL as this process's user). The engine queues reads between the pipeline's statements, so
 * a reader sees what the pipeline last committed.
 */

/** Where a read endpoint listens, and the token it asks for. */
export interface ReadEndpoint {
  url: string;
  token: string;
}

/** What an endpoint answers: one result per statement, or the error, named. */
type ReadAnswer = { results: ReadResult[] } | { error: { name: string; message: string } };

const MAX_BODY = 1 << 20;

/**
 * Serves reads on a free loopback port.
 * @param options.read runs SQL text read-only (e.g. the engine's `read`)
 * @returns the endpoint, and `close`, which stops it
 */
export async function serveReads({
  read,
}: {
  read: (sql: string) => Promise<ReadResult[]>;
}): Promise<ReadEndpoint & { close(): Promise<void> }> {
  const token = randomBytes(24).toString("hex");
  const expected = Buffer.from(`Bearer ${token}`);
  const server = createServer((request, response) => {
    const answer = (status: number, body: ReadAnswer) => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(body));
    };
    const given = Buffer.from(request.headers.authorization ?? "");
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return answer(401, { error: { name: "Unauthorized", message: "wrong or missing token" } });
    if (request.method !== "POST" || request.url !== "/read")
      return answer(404, { error: { name: "NotFound", message: "POST /read" } });
    void body(request).then(
      async (sql) => {
        try {
          answer(200, { results: await read(sql) });
        } catch (error) {
          const { name, message } = error instanceof Error ? error : new Error(String(error));
          answer(400, { error: { name, message } });
        }
      },
      (error: Error) => answer(413, { error: { name: "PayloadTooLarge", message: error.message } }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/read`,
    token,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** An error the endpoint answered with, under its own name (e.g. `ReadOnlyError`). */
export class ReadFailedError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/**
 * Asks a read endpoint to run SQL text.
 * @param endpoint its URL and token
 * @param sql one or more statements
 * @throws ReadFailedError with the endpoint's error name and message
 */
export async function requestRead(endpoint: ReadEndpoint, sql: string): Promise<ReadResult[]> {
  const response = await fetch(endpoint.url, {
    method: "POST",
    headers: { authorization: `Bearer ${endpoint.token}`, "content-type": "text/plain" },
    body: sql,
  });
  const answer = (await response.json()) as ReadAnswer;
  if ("error" in answer) throw new ReadFailedError(answer.error.name, answer.error.message);
  return answer.results;
}

async function body(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error(`SQL text over ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}
