import type { ServerResponse } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { JourneyStatus } from "@medallion/core/journey";
import { journeyStatusSchema } from "@medallion/core/journey";
import type { LakeReader } from "./data";
import { ledgerOf, readFlow, readLineage, readRuns, readTables, uiDatasets } from "./data";
import type { Html, View } from "./html";
import { flowView, lineageView, page, runsView, tablesView, views } from "./html";

/** The page's server, on loopback. */
export interface UiServer {
  url: string;
  /** Tells open pages the lake changed: they reload their view (with `live`). */
  changed(): void;
  close(): Promise<void>;
}

/**
 * Serves the read-only page on 127.0.0.1: server-rendered HTML, one view per path (`/runs`,
 * `/flow`, `/tables`, `/lineage`), and with `live` a Server-Sent Events stream (`/events`) that
 * tells open pages to reload when {@link UiServer.changed} is called. Requests are answered one
 * at a time: each reads the stores anew, and a reader opening the data directory itself holds
 * it while it reads.
 * @param options how to read the lake, the port (0: any free one), whether updates are pushed
 */
export async function serveUi({
  reader,
  port = 0,
  live = false,
}: {
  reader: LakeReader;
  port?: number;
  live?: boolean;
}): Promise<UiServer> {
  const listeners = new Set<ServerResponse>();
  let queue: Promise<unknown> = Promise.resolve();
  const serialised = <T>(work: () => Promise<T>): Promise<T> => {
    const result = queue.then(work);
    queue = result.catch(() => undefined);
    return result;
  };
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const view = url.pathname.slice(1) || "runs";
    if (request.method !== "GET") {
      response.writeHead(405, { allow: "GET" }).end("read-only");
      return;
    }
    if (view === "events" && live) {
      response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      response.write(": connected\n\n");
      listeners.add(response);
      request.on("close", () => listeners.delete(response));
      return;
    }
    if (!(views as readonly string[]).includes(view)) {
      response.writeHead(404, { "content-type": "text/plain" }).end(`no view ${view}: ${views.join(", ")}`);
      return;
    }
    serialised(() => renderView(reader, view as View, url.searchParams)).then(
      ({ title, body }) => {
        response
          .writeHead(200, { "content-type": "text/html; charset=utf-8" })
          .end(page({ view: view as View, title, body, live }));
      },
      (error: unknown) => {
        response
          .writeHead(500, { "content-type": "text/plain; charset=utf-8" })
          .end(`medallion ui: ${error instanceof Error ? error.message : String(error)}`);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}/`,
    changed() {
      for (const listener of listeners) listener.write(`data: changed\n\n`);
    },
    close: () =>
      new Promise((resolve) => {
        for (const listener of listeners) listener.end();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function renderView(
  reader: LakeReader,
  view: View,
  query: URLSearchParams,
): Promise<{ title: string; body: Html }> {
  const specs = uiDatasets();
  const names = specs.map((spec) => spec.name);
  const chosen = (): string => {
    const asked = query.get("dataset");
    return asked && names.includes(asked) ? asked : (names[0] ?? "");
  };
  switch (view) {
    case "runs": {
      const status = journeyStatusSchema.safeParse(query.get("status"));
      const dataset = query.get("dataset") || undefined;
      const filters = { dataset, status: status.success ? (status.data as JourneyStatus) : undefined };
      return { title: "Runs", body: runsView(await readRuns(reader, filters), filters, names) };
    }
    case "flow": {
      const spec = specs.find((s) => s.name === chosen())!;
      return { title: `Flow of ${spec.name}`, body: flowView(await readFlow(reader, spec), names) };
    }
    case "tables":
      return { title: "Tables", body: tablesView(await readTables(reader, specs)) };
    case "lineage": {
      const dataset = chosen();
      const files = await ledgerOf(reader, dataset);
      const file = query.get("file") ?? files[0]?.file_id;
      const lineage = file ? await readLineage(reader, dataset, file) : null;
      return { title: "Lineage", body: lineageView({ dataset, datasets: names, files, lineage }) };
    }
  }
}
