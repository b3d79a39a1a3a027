import { carTelemetry } from "../dataset/car-telemetry";
import type { HttpApiSource } from "./spec";

/**
 * An EXAMPLE source, shipped to show the spec's shape; it points at a placeholder URL and
 * is registered nowhere by default (see `registry.ts`). A fleet API that returns car
 * telemetry readings updated in `[updated_since, updated_before)`, 500 per page, with a
 * cursor in `meta.next_cursor` and the records in `data`; the token is the SST Secret
 * `FleetApiToken` (`sst secret set FleetApiToken …`), sent as `Authorization: Bearer …`.
 */
export const exampleSource = {
  name: "fleet-api",
  kind: "httpApi",
  dataset: carTelemetry,
  endpoint: "https://fleet-api.example.com/v1/telemetry?fields=all",
  auth: { header: "Authorization", scheme: "Bearer", secret: "FleetApiToken" },
  pagination: { style: "cursor", cursorParam: "cursor", cursorPath: "meta.next_cursor" },
  window: {
    fromParam: "updated_since",
    toParam: "updated_before",
    format: "iso",
    size: "hour",
    start: "2024-05-01T00:00:00Z",
  },
  recordsPath: "data",
  maxPagesPerRun: 200,
  timeoutMs: 15_000,
  retry: { attempts: 5, baseDelayMs: 1_000, maxDelayMs: 60_000 },
} satisfies HttpApiSource;
