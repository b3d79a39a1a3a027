import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Congregado } from "@medallion/core/congregado";
import { getCongregado, listCongregados } from "@medallion/core/congregado";
import { ellipsis, shortTime, textTable } from "./text-table";

/** Options of {@link congregadoCommand}. */
export interface CongregadoCommandOptions {
  doc: DynamoDBDocumentClient;
  /** Physical name of the congregado table. */
  table: string;
  json: boolean;
  /** `{database}_{table}`: show that aggregate, with the start of its sample. */
  id?: string;
  /** Sample records shown for one aggregate in text mode (default 5). */
  sampleRows?: number;
}

/**
 * `medallion congregado [id] [--json]`: lists the stored aggregates (version, records,
 * sample, origins), or shows one. Returns the text to print; `--json` gives the items
 * (with the whole sample when an id is given).
 * @example console.log(await congregadoCommand({ doc, table: names.Congregado, json: false, id: "gold_daily_fuel" }));
 */
export async function congregadoCommand({
  doc,
  table,
  json,
  id,
  sampleRows = 5,
}: CongregadoCommandOptions): Promise<string> {
  if (id !== undefined) {
    const item = await getCongregado({ doc, table, id });
    if (json) return JSON.stringify(item ?? null, null, 2);
    return item ? describeCongregado(item, sampleRows) : `No congregado with id "${id}".`;
  }
  const items = await listCongregados({ doc, table });
  if (json) return JSON.stringify(items, null, 2);
  if (items.length === 0) return "No congregados yet.";
  return textTable(
    ["ID", "VERSION", "RECORDS", "SAMPLE", "UPDATED", "PROCESSOR", "ORIGINS", "HASH"],
    items.map((item) => [
      item.id,
      String(item.version),
      String(item.record_count),
      `${item.sample_size}${item.sample_truncated ? " (trimmed)" : ""}`,
      shortTime(item.updated_at),
      String(item.metadata.processor_type ?? ""),
      ellipsis((item.metadata.origins ?? []).join(","), 40),
      item.idempotency_key.slice(0, 12),
    ]),
  );
}

function describeCongregado(item: Congregado, sampleRows: number): string {
  const { processor_type, database, table, origins, ...rest } = item.metadata;
  const lines = [
    `congregado ${item.id}`,
    `  version    ${item.version}   records ${item.record_count}`,
    `  hash       ${item.idempotency_key}`,
    `  created    ${shortTime(item.created_at)}   updated ${shortTime(item.updated_at)}`,
    `  source     ${[database, table].filter(Boolean).join(".") || "?"}   processor ${processor_type ?? "?"}   origins ${(origins ?? []).join(", ") || "-"}`,
  ];
  if (Object.keys(rest).length > 0) lines.push(`  metadata   ${ellipsis(JSON.stringify(rest), 200)}`);
  lines.push(
    `  sample     ${item.sample_size} record(s)${item.sample_truncated ? ", trimmed to fit DynamoDB's 400 KB item limit" : ""}`,
  );
  for (const record of item.sample_data.slice(0, sampleRows))
    lines.push(`    ${ellipsis(JSON.stringify(record), 200)}`);
  if (item.sample_size > sampleRows)
    lines.push(`    … ${item.sample_size - sampleRows} more in the sample (--json shows all)`);
  return lines.join("\n");
}
