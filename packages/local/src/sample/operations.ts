import type { SampleFile } from "./car-telemetry";

/** One operation event, as the online (SoR) and batch (SoT) sources send it. */
interface OperationEvent {
  num_oper: string;
  cod_idef_ver_oper: string;
  num_prio_even_oper: number;
  dat_recm_even_oper: string;
  dat_oper: string;
  cod_situ_oper: string;
  vlr_oper: number;
  cod_moed: string;
  origem?: string;
}

const event = (
  num: string,
  version: string,
  priority: number,
  receivedAt: string,
  day: string,
  status: string,
  amount: number,
  extra: Partial<OperationEvent> = {},
): OperationEvent => ({
  num_oper: num,
  cod_idef_ver_oper: version,
  num_prio_even_oper: priority,
  dat_recm_even_oper: receivedAt,
  // Midnight UTC: the operation's business date, so its partition is that day.
  dat_oper: `${day}T00:00:00Z`,
  cod_situ_oper: status,
  vlr_oper: amount,
  cod_moed: "brl",
  ...extra,
});

/**
 * The outcome silver must show for the sample, per `num_oper/cod_idef_ver_oper`: which origin
 * wins and its status. Kept beside the data so tests and docs read the same truth.
 */
export const operationsSampleWinners: Record<
  string,
  { origem: "online" | "batch"; cod_situ_oper: string; anomesdia: number }
> = {
  // In both origins, batch with the higher priority.
  "OP-1001/1": { origem: "batch", cod_situ_oper: "LIQUIDADA", anomesdia: 20240501 },
  // In both origins, online with the higher priority.
  "OP-1002/1": { origem: "online", cod_situ_oper: "CANCELADA", anomesdia: 20240501 },
  // In both origins with equal priority: the newer reception (batch) wins.
  "OP-1003/1": { origem: "batch", cod_situ_oper: "LIQUIDADA", anomesdia: 20240501 },
  // Online only, two events of equal priority: the newer one.
  "OP-1003/2": { origem: "online", cod_situ_oper: "PENDENTE", anomesdia: 20240501 },
  "OP-1004/1": { origem: "online", cod_situ_oper: "APROVADA", anomesdia: 20240501 },
  // Batch only.
  "OP-1005/1": { origem: "batch", cod_situ_oper: "LIQUIDADA", anomesdia: 20240501 },
  // Next day; the batch record states its origin itself (`" BATCH "`, cleansed to `batch`).
  "OP-2001/1": { origem: "batch", cod_situ_oper: "LIQUIDADA", anomesdia: 20240502 },
  "OP-2002/1": { origem: "online", cod_situ_oper: "APROVADA", anomesdia: 20240502 },
};

/**
 * A deterministic sample of operations landing files: online events (NDJSON, several per
 * operation) and the batch extract of the same days (JSON arrays), with keys in both origins
 * at different priorities and reception times, keys in one origin only, and a few invalid
 * records. The expected winners are {@link operationsSampleWinners}.
 */
export function operationsSample(): SampleFile[] {
  const online = [
    event("OP-1001", "1", 1, "2024-05-01T10:00:00Z", "2024-05-01", "aprovada", 150.25),
    event("OP-1002", "1", 3, "2024-05-01T09:00:00Z", "2024-05-01", "cancelada", 80),
    event("OP-1003", "1", 2, "2024-05-01T08:00:00Z", "2024-05-01", "aprovada", 990.1),
    event("OP-1003", "2", 1, "2024-05-01T08:30:00Z", "2024-05-01", "aprovada", 1000),
    event("OP-1003", "2", 1, "2024-05-01T09:45:00Z", "2024-05-01", "pendente", 1000),
    event("OP-1004", "1", 2, "2024-05-01T12:00:00Z", "2024-05-01", "pendente", 42.5),
    event("OP-1004", "1", 2, "2024-05-01T12:30:00-03:00", "2024-05-01", "aprovada", 42.5),
  ];
  const onlineNextDay = [
    event("OP-2001", "1", 1, "2024-05-02T07:15:00Z", "2024-05-02", "aprovada", 310),
    event("OP-2002", "1", 1, "2024-05-02T11:00:00Z", "2024-05-02", " aprovada ", 12.99),
  ];
  const invalid = [
    {
      cod_idef_ver_oper: "1",
      num_prio_even_oper: 1,
      dat_recm_even_oper: "2024-05-01T10:00:00Z",
      dat_oper: "2024-05-01T00:00:00Z",
    },
    {
      num_oper: "OP-9001",
      cod_idef_ver_oper: "1",
      num_prio_even_oper: "alta",
      dat_recm_even_oper: "2024-05-01T10:00:00Z",
      dat_oper: "2024-05-01T00:00:00Z",
    },
    {
      num_oper: "OP-9002",
      cod_idef_ver_oper: "1",
      num_prio_even_oper: 1,
      dat_recm_even_oper: "ontem",
      dat_oper: "2024-05-01T00:00:00Z",
    },
  ];
  const batch = [
    event("OP-1001", "1", 2, "2024-05-01T23:00:00Z", "2024-05-01", "liquidada", 150.25),
    event("OP-1002", "1", 1, "2024-05-01T23:00:00Z", "2024-05-01", "liquidada", 80),
    event("OP-1003", "1", 2, "2024-05-01T23:00:00Z", "2024-05-01", "liquidada", 990.1),
    event("OP-1005", "1", 1, "2024-05-01T23:00:00Z", "2024-05-01", "liquidada", 5000),
  ];
  const batchNextDay = [
    event("OP-2001", "1", 2, "2024-05-02T23:00:00Z", "2024-05-02", "liquidada", 310, { origem: " BATCH " }),
  ];
  const ndjson = (records: unknown[]) => `${records.map((record) => JSON.stringify(record)).join("\n")}\n`;
  return [
    { key: "operations/online/2024-05-01/events-0800.ndjson", body: ndjson([...online.slice(0, 4), invalid[0]]) },
    { key: "operations/online/2024-05-01/events-0900.ndjson", body: ndjson([...online.slice(4), ...invalid.slice(1)]) },
    { key: "operations/online/2024-05-02/events-0700.ndjson", body: ndjson(onlineNextDay) },
    { key: "operations/batch/2024-05-01/sot-extract.json", body: JSON.stringify(batch, null, 2) },
    { key: "operations/batch/2024-05-02/sot-extract.json", body: JSON.stringify(batchNextDay, null, 2) },
  ];
}
