import type { ProcessingStep } from "../journey/step";
import { stepTiming } from "../journey/step";
import type { GoldSummary } from "./results";

/**
 * One processing-log step per gold table of a merge, for the journey and the run summary:
 * rows inserted / updated / deleted / unchanged, with the table as the step's partition.
 * Deletions are named in the message only when there were some, so the usual line stays short.
 * @param options the merge summary and when the merge started and finished (epoch ms)
 * @example goldSteps({ summary, startedAt: t0 }).map((s) => s.message) // ["2 inserted, 1 updated, 5 unchanged", …]
 */
export function goldSteps({
  summary,
  startedAt,
  finishedAt = Date.now(),
}: {
  summary: GoldSummary;
  startedAt: number;
  finishedAt?: number;
}): ProcessingStep[] {
  return summary.tables.map((table) => ({
    step: "gold",
    status: table.windows === 0 ? "skipped" : "succeeded",
    dataset: summary.dataset,
    layer: "gold",
    partition: table.table,
    message: `${table.inserted} inserted, ${table.updated} updated, ${table.deleted ? `${table.deleted} deleted, ` : ""}${table.unchanged} unchanged`,
    records_in: table.sourceRows,
    records_out: table.inserted + table.updated,
    details: {
      inserted: table.inserted,
      updated: table.updated,
      unchanged: table.unchanged,
      deleted: table.deleted,
      row_count: table.rowCount,
      windows: table.windows,
      statements: table.statements,
      ...(table.congregado ? { congregado: table.congregado } : {}),
    },
    ...stepTiming(startedAt, finishedAt),
  }));
}
