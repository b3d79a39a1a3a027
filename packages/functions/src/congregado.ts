import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { SaveCongregadoResult } from "@medallion/core/congregado";
import { batchSaveCongregados, CongregadoBatchError, congregadoId, saveCongregado } from "@medallion/core/congregado";
import { stepTiming } from "@medallion/core/journey";
import { z } from "zod";
import { logStep } from "./journey";
import { clients } from "./shared/clients";
import { linked } from "./shared/config";
import { lambdaHandler } from "./shared/handler";
import { logger, metrics } from "./shared/observability";

const aggregate = z.object({
  database: z.string().min(1),
  table: z.string().min(1),
  /** Defaults to `{database}_{table}`. */
  id: z.string().min(1).optional(),
  data: z.array(z.unknown()),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

const saveEvent = aggregate.extend({
  /** When given, the save is also recorded as a step of this journey. */
  journey_id: z.string().min(1).optional(),
  run_id: z.string().min(1).optional(),
  dataset: z.string().optional(),
});

const batchEvent = z.object({ items: z.array(aggregate) });

/** Save one gold table's aggregate (a no-op when its content is unchanged). */
export const handler = lambdaHandler(saveEvent, async (event) => {
  const startedAt = Date.now();
  const id = event.id ?? congregadoId(event.database, event.table);
  const result = await saveCongregado({
    doc: clients.doc,
    table: linked("Congregado"),
    id,
    data: event.data,
    metadata: { database: event.database, table: event.table, ...event.metadata },
  });
  await logStep({
    doc: clients.doc,
    table: linked("JourneyControl"),
    journeyId: event.journey_id,
    runId: event.run_id,
    step: {
      step: "congregado",
      status: result.status === "unchanged" ? "skipped" : "succeeded",
      layer: "gold",
      dataset: event.dataset,
      partition: id,
      message: `${result.status} at version ${result.version}${result.sample_truncated ? ", sample trimmed to fit 400 KB" : ""}`,
      records_in: event.data.length,
      records_out: result.status === "unchanged" ? 0 : 1,
      details: { version: result.version, sample_size: result.sample_size, sample_truncated: result.sample_truncated },
      ...stepTiming(startedAt),
    },
  });
  return result;
});

/** Save many aggregates; throws CongregadoBatchError (after saving the rest) if any item failed. */
export const batch = lambdaHandler(batchEvent, async (event) => {
  const results = await batchSaveCongregados({
    doc: clients.doc,
    table: linked("Congregado"),
    items: event.items.map((item) => ({
      id: item.id ?? congregadoId(item.database, item.table),
      data: item.data,
      metadata: { database: item.database, table: item.table, ...item.metadata },
    })),
  });
  const saved = results.filter((result): result is Extract<typeof result, { ok: true }> => result.ok);
  const failed = results.filter((result): result is Extract<typeof result, { ok: false }> => !result.ok);
  metrics.addMetric(
    "CongregadosSaved",
    MetricUnit.Count,
    saved.filter((result) => result.status !== "unchanged").length,
  );
  metrics.addMetric("CongregadosFailed", MetricUnit.Count, failed.length);
  for (const failure of failed)
    logger.error("congregado not saved", {
      id: failure.id,
      error: failure.error,
      retryable: failure.retryable,
      attempts: failure.attempts,
    });
  // Step Functions must see the failure, not a success with errors tucked inside.
  if (failed.length > 0)
    throw new CongregadoBatchError(
      failed.map((failure) => failure.id),
      results.length,
    );
  return { saved: saved.map(({ ok: _ok, attempts: _attempts, ...result }): SaveCongregadoResult => result) };
});
