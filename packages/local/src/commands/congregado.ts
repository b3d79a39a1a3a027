import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Congregado } from "@medallion/core/congregado";
import { getCongregado, listCongregados } from "@medallion/core/congregado";
import type { ErrorJson } from "./errors";
import { UsageError } from "./errors";
import type { CommandContext } from "./index";
import { withTables } from "./lake";
import type { Style } from "./output";
import { camelKeys, ellipsis, shortTime, textTable } from "./text-table";

/**
 * A congregado (the latest content of one gold table, `{database}_{table}`) as `--json` shows it:
 * camelCase, every key always present; `sample` only when one is shown by id (records keep
 * their own keys).
 */
export interface CongregadoJson {
  id: string;
  database: string | null;
  table: string | null;
  version: number;
  recordCount: number;
  /** SHA-256 of the content's canonical JSON: equal content, equal hash (saving it again is a no-op). */
  contentHash: string;
  processor: string | null;
  origins: string[];
  sampleSize: number;
  /** The sample was cut to fit DynamoDB's 400 KB item limit. */
  sampleTruncated: boolean;
  createdAt: string;
  updatedAt: string;
  metadata: Record<string, unknown>;
  sample?: unknown[];
}

/** What `medallion congregado --json` prints: every aggregate, or one. */
export type CongregadosJson =
  | { congregados: CongregadoJson[]; error: null }
  | { congregado: CongregadoJson | null; error: ErrorJson | null };

function congregadoJson(item: Omit<Congregado, "sample_data"> & { sample_data?: unknown[] }): CongregadoJson {
  const { processor_type, database, table, origins } = item.metadata;
  return {
    id: item.id,
    database: database ?? null,
    table: table ?? null,
    version: item.version,
    recordCount: item.record_count,
    contentHash: item.idempotency_key,
    processor: processor_type ?? null,
    origins: origins ?? [],
    sampleSize: item.sample_size,
    sampleTruncated: item.sample_truncated,
    createdAt: item.created_at,
    updatedAt: item.updated_at,
    metadata: camelKeys(item.metadata) as Record<string, unknown>,
    ...(item.sample_data ? { sample: item.sample_data } : {}),
  };
}

/** Options of {@link congregadoCommand}. */
export interface CongregadoOptions {
  doc: DynamoDBDocumentClient;
  /** Physical name of the congregado table. */
  table: string;
  /** `{database}_{table}`: that aggregate, with its sample. */
  id?: string;
}

/**
 * Reads what `medallion congregado` shows: every stored aggregate without samples, or one with
 * its sample.
 * @param options table, and an id
 * @example const found = await congregadoCommand({ doc, table: names.Congregado, id: "gold_car_monthly" });
 */
export async function congregadoCommand({ doc, table, id }: CongregadoOptions): Promise<CongregadosJson> {
  if (id === undefined)
    return { congregados: (await listCongregados({ doc, table })).map(congregadoJson), error: null };
  const item = await getCongregado({ doc, table, id });
  return item
    ? { congregado: congregadoJson(item), error: null }
    : { congregado: null, error: { name: "CongregadoNotFound", message: `no congregado with id "${id}"` } };
}

/**
 * The text `medallion congregado` prints.
 * @param found what {@link congregadoCommand} read
 * @param options colours, and how many sample records one aggregate shows (default 5)
 */
export function congregadoText(
  found: CongregadosJson,
  { style = (_, text) => text, sampleRows = 5 }: { style?: Style; sampleRows?: number } = {},
): string {
  if ("congregado" in found) return found.congregado ? describe(found.congregado, style, sampleRows) : "";
  if (found.congregados.length === 0) return "No congregados yet.";
  return textTable(
    ["ID", "VERSION", "RECORDS", "SAMPLE", "UPDATED (UTC)", "PROCESSOR", "ORIGINS", "HASH"],
    found.congregados.map((item) => [
      item.id,
      String(item.version),
      String(item.recordCount),
      `${item.sampleSize}${item.sampleTruncated ? " (trimmed)" : ""}`,
      shortTime(item.updatedAt),
      item.processor ?? "",
      ellipsis(item.origins.join(","), 40),
      item.contentHash.slice(0, 12),
    ]),
  );
}

function describe(item: CongregadoJson, style: Style, sampleRows: number): string {
  const { processorType, database, table, origins, ...rest } = item.metadata;
  const sample = item.sample ?? [];
  const lines = [
    `congregado ${style("bold", item.id)}`,
    `  version    ${item.version}   records ${item.recordCount}`,
    `  hash       ${item.contentHash}`,
    `  created    ${shortTime(item.createdAt)} UTC   updated ${shortTime(item.updatedAt)} UTC`,
    `  source     ${[item.database, item.table].filter(Boolean).join(".") || "?"}   processor ${item.processor ?? "?"}   origins ${item.origins.join(", ") || "-"}`,
  ];
  if (Object.keys(rest).length > 0) lines.push(`  metadata   ${ellipsis(JSON.stringify(rest), 200)}`);
  lines.push(
    `  sample     ${item.sampleSize} record(s)${item.sampleTruncated ? ", trimmed to fit DynamoDB's 400 KB item limit" : ""}`,
  );
  for (const record of sample.slice(0, sampleRows)) lines.push(`    ${ellipsis(JSON.stringify(record), 200)}`);
  if (item.sampleSize > sampleRows)
    lines.push(`    … ${item.sampleSize - sampleRows} more in the sample (--json shows all)`);
  return lines.join("\n");
}

/** `medallion congregado [id]`: reads the congregado table (through `dev` when it runs) and prints. */
export async function execute(context: CommandContext): Promise<number> {
  const { positionals, out } = context;
  if (positionals.length > 1)
    throw new UsageError(`medallion congregado takes at most one id (got ${positionals.length})`);
  const found = await withTables(context.dataDir, "congregado", ({ doc, names }) =>
    congregadoCommand({ doc, table: names.Congregado!, id: positionals[0] }),
  );
  if (context.json) out.json(found);
  else if (found.error) out.note(`medallion congregado: ${found.error.message}`);
  else out.print(congregadoText(found, { style: out.style }));
  return found.error ? 1 : 0;
}
