import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Journey } from "@medallion/core/journey";
import { getJourney, journeyIdFor, listJourneys } from "@medallion/core/journey";
import { ellipsis, shortTime, textTable } from "./text-table";

/** Options of {@link journeysCommand}. */
export interface JourneysCommandOptions {
  doc: DynamoDBDocumentClient;
  /** Physical name of the journey-control table. */
  table: string;
  json: boolean;
  /** A journey id or an idempotency key: show that journey with all its steps. */
  id?: string;
  /** Newest journeys to list (default 50). */
  limit?: number;
}

/**
 * `medallion journeys [id] [--json]`: lists journeys newest first (status, steps, error),
 * or shows one journey with its steps. Returns the text to print.
 * @example console.log(await journeysCommand({ doc, table: names.JourneyControl, json: false }));
 */
export async function journeysCommand({ doc, table, json, id, limit = 50 }: JourneysCommandOptions): Promise<string> {
  if (id !== undefined) {
    const journey =
      (await getJourney({ doc, table, journeyId: id })) ??
      (await getJourney({ doc, table, journeyId: journeyIdFor(id) }));
    if (json) return JSON.stringify(journey ?? null, null, 2);
    return journey ? describeJourney(journey) : `No journey with id or idempotency key "${id}".`;
  }
  const journeys = await listJourneys({ doc, table, limit });
  if (json) return JSON.stringify(journeys, null, 2);
  if (journeys.length === 0) return "No journeys yet.";
  return textTable(
    ["JOURNEY", "STATUS", "CREATED", "UPDATED", "RETRIES", "STEPS", "LAST STEP", "KEY", "ERROR"],
    journeys.map((journey) => {
      const last = journey.steps.at(-1);
      return [
        journey.journey_id,
        journey.status,
        shortTime(journey.created_at),
        shortTime(journey.updated_at),
        String(journey.retry_count),
        String(journey.steps.length),
        last ? `${last.step} ${last.status}` : "",
        ellipsis(journey.idempotency_key, 40),
        journey.error ? ellipsis(`${journey.error.name}: ${journey.error.message}`, 80) : "",
      ];
    }),
  );
}

function describeJourney(journey: Journey): string {
  const metadata = Object.entries(journey.metadata)
    .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join(" ");
  const lines = [
    `journey ${journey.journey_id}`,
    `  key        ${journey.idempotency_key}`,
    `  status     ${journey.status}   retries ${journey.retry_count}`,
    `  created    ${shortTime(journey.created_at)}   updated ${shortTime(journey.updated_at)}`,
  ];
  if (journey.lease_until !== undefined)
    lines.push(`  lease      until ${shortTime(new Date(journey.lease_until).toISOString())}`);
  if (metadata) lines.push(`  metadata   ${metadata}`);
  if (journey.error) lines.push(`  error      ${journey.error.name}: ${journey.error.message}`);
  if (journey.steps.length === 0) return [...lines, "  steps      none yet"].join("\n");
  const table = textTable(
    ["#", "STEP", "STATUS", "LAYER", "FILE / PARTITION", "IN", "OUT", "INVALID", "MS", "STARTED", "MESSAGE"],
    journey.steps.map((step, index) => [
      String(index + 1),
      step.attempt === undefined ? step.step : `${step.step} (attempt ${step.attempt + 1})`,
      step.status,
      step.layer ?? "",
      step.file ?? step.partition ?? "",
      step.records_in?.toString() ?? "",
      step.records_out?.toString() ?? "",
      step.records_invalid?.toString() ?? "",
      String(step.duration_ms),
      shortTime(step.started_at),
      ellipsis(step.message ?? "", 80),
    ]),
  );
  return [...lines, "  steps", ...table.split("\n").map((line) => `    ${line}`)].join("\n");
}
