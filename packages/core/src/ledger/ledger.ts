import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { allPages, conditionalWrite, eachLimit, isConditionalCheckFailed } from "../dynamo/request";

/** Failures of a file after which, failing alone again, it is set aside. */
export const SET_ASIDE_FAILURES = 2;

/**
 * Failures after which a dataset's only plannable file is set aside although no plan of the run
 * went through (nothing else can show the pipeline works): more than two runs' worth of its
 * re-plans (the state machine allows five a run), so one run during an outage sets nothing aside,
 * and a poison that is all a dataset has pending no longer fails every run for good.
 */
export const ONLY_FILE_SET_ASIDE_FAILURES = 12;

/**
 * Days a ledger entry records at most in `partition_days`. DynamoDB stores a `yyyymmdd` number
 * in a list in at most 6 bytes (5 for its digits, 1 for its slot), so this many take at most
 * 120 KB of the 400 KB item: 55 years of daily partitions (a five-year backfill has ~1,830).
 * A file with more records none: silver reads its days from bronze, and a replacement of it
 * recomputes the whole history.
 */
export const MAX_RECORDED_DAYS = 20_000;

/**
 * The days to record of a file, or none when there are more than {@link MAX_RECORDED_DAYS}.
 * @param days `yyyymmdd` ordinals
 */
export const recordableDays = (days: number[] | undefined): number[] | undefined =>
  days && days.length <= MAX_RECORDED_DAYS ? days : undefined;

/** One ingested landing file: the pipeline's bookmark (table `Ledger`). */
export interface LedgerEntry {
  dataset: string;
  /** `<source key>#<etag>`. */
  file_id: string;
  source_key: string;
  etag: string;
  bronze_key?: string;
  status: "bronze" | "quarantined" | "silver" | "set_aside";
  records_in: number;
  records_bronze: number;
  records_quarantined: number;
  quarantine_keys: string[];
  /** ISO-8601 time the file was ingested. */
  ingested_at: string;
  /** Set (to `dataset`) while the file's bronze rows are not consolidated into silver: the sparse `pending` index. */
  pending_dataset?: string;
  /** Why the file was quarantined whole, when it was. */
  reason?: string;
  /** Values taken as their JSON text (a number or boolean in a string field), per field path, when any were. */
  coerced?: Record<string, number>;
  /** Silver version that consolidated the file. */
  silver_version?: string;
  consolidated_at?: string;
  /**
   * On a part a redrive wrote: the `file_id` of the landing file its records came from. The
   * original counts them (its `records_bronze`), so a part's own counts are all zero.
   */
  redrive_of?: string;
  /** On a part a redrive wrote: how many of the original's quarantined records it holds. */
  records_redriven?: number;
  /** How many redrives recovered records of this file: the next part's number. */
  redrive_count?: number;
  /** When a redrive ingested this file after it had been quarantined whole. */
  reingested_at?: string;
  /**
   * Set when a newer version of the same landing key superseded this one: the newer version's
   * `file_id`. A retired file's bronze stays for lineage but no silver plan or rebuild reads it.
   */
  retired_by?: string;
  /** ISO-8601 time the file was retired. */
  retired_at?: string;
  /** Set while the file is pending for the recompute a replacement started (its rebuild id). */
  recompute_id?: string;
  /**
   * With `recompute_id`: the days (`yyyymmdd`) that recompute takes (what either version of the
   * replaced file touched). Absent: the whole history (an older version's days were unknown).
   */
  recompute_days?: number[];
  /**
   * The days (`yyyymmdd`) the file's rows fall in: recorded when it is ingested (a dataset with
   * silver), or when silver consolidates it. Entries written before this field have none, nor
   * does a file of more than {@link MAX_RECORDED_DAYS} days.
   */
  partition_days?: number[];
  /**
   * The ETag of the bronze object as ingest wrote it (normalised): `partition_days`,
   * `bronze_rows` and `bronze_rows_without_timestamp` describe that object, so silver plans from
   * them without reading it while the object still has this ETag. Set with those two at ingest.
   */
  bronze_etag?: string;
  /** Rows in that bronze object (unlike `records_bronze`, which a redrive raises by its part's rows). */
  bronze_rows?: number;
  /** Rows in that bronze object without a usable partition timestamp (in none of `partition_days`). */
  bronze_rows_without_timestamp?: number;
  /** Failed pipeline runs whose plan held this file while it was pending (reset when it is set aside or redriven). */
  failures?: number;
  /** The last such failure: the error, and the layer whose step failed. */
  last_error?: string;
  failed_step?: string;
  /** When the file was set aside (status `set_aside`), and the status it had before. */
  set_aside_at?: string;
  set_aside_from?: LedgerEntry["status"];
}

/** What a failure recorded against the files of a plan says (see {@link recordPlanFailure}). */
export interface PlanFailure {
  /** The error, as `<name>: <message>`. */
  error: string;
  /** The layer whose step failed: `silver`, `gold`, or `plan` (reading the file while planning). */
  step: string;
  /**
   * Whether a file failing alone may be set aside now: only once something shows the pipeline
   * itself works (another plan of the same run succeeded, or the failure is the file's own, as
   * an unreadable bronze object is). Otherwise a failure of everything (a broken permission, a
   * service down) would set good files aside one by one. Default true.
   */
  allowSetAside?: boolean;
  /** Failures a lone file needs before it is set aside; default {@link SET_ASIDE_FAILURES}. */
  setAsideAfter?: number;
}

/**
 * Records that a pipeline run failed while its plan held these pending files: each one's
 * failure counter goes up, with the error and the failing step. When the plan held one file
 * alone and it has failed {@link SET_ASIDE_FAILURES} times or more, its data is what fails: it
 * is set aside (status `set_aside`, no longer pending), so later plans go on without it.
 * @param failure the error text, the failing step, whether a lone file may be set aside now
 * @returns the file ids set aside by this call
 * @example await recordPlanFailure(doc, "ledger", plan.files, { error: "States.TaskFailed: …", step: "silver" })
 */
export async function recordPlanFailure(
  doc: DynamoDBDocumentClient,
  table: string,
  entries: Pick<LedgerEntry, "dataset" | "file_id">[],
  { error, step, allowSetAside = true, setAsideAfter = SET_ASIDE_FAILURES }: PlanFailure,
): Promise<string[]> {
  const setAside: string[] = [];
  await eachLimit(entries, 8, async (entry) => {
    const key = { dataset: entry.dataset, file_id: entry.file_id };
    let failures: number;
    try {
      const { Attributes } = await doc.send(
        new UpdateCommand({
          TableName: table,
          Key: key,
          UpdateExpression:
            "SET failures = if_not_exists(failures, :zero) + :one, last_error = :error, failed_step = :step",
          ConditionExpression: "attribute_exists(pending_dataset)",
          ExpressionAttributeValues: { ":zero": 0, ":one": 1, ":error": error, ":step": step },
          ReturnValues: "ALL_NEW",
        }),
      );
      failures = Number((Attributes as LedgerEntry).failures);
      if (!allowSetAside || entries.length > 1 || failures < setAsideAfter) return;
      await doc.send(
        new UpdateCommand({
          TableName: table,
          Key: key,
          UpdateExpression: "SET set_aside_from = #status, #status = :aside, set_aside_at = :at REMOVE pending_dataset",
          ConditionExpression: "attribute_exists(pending_dataset)",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":aside": "set_aside", ":at": new Date().toISOString() },
        }),
      );
      setAside.push(entry.file_id);
    } catch (caught) {
      if (!isConditionalCheckFailed(caught)) throw caught;
    }
  });
  return setAside;
}

/**
 * Puts a set-aside file back: pending again with its former status and no failures, so the
 * next run plans it (under a fixed spec, or with its bronze object replaced). Conditional on
 * it still being set aside, so a repeat changes nothing.
 * @returns true when this call put it back
 */
export async function restoreSetAside(
  doc: DynamoDBDocumentClient,
  table: string,
  entry: Pick<LedgerEntry, "dataset" | "file_id" | "set_aside_from">,
): Promise<boolean> {
  return await conditionalWrite(() =>
    doc.send(
      new UpdateCommand({
        TableName: table,
        Key: { dataset: entry.dataset, file_id: entry.file_id },
        UpdateExpression:
          "SET #status = :status, pending_dataset = :dataset REMOVE failures, set_aside_at, set_aside_from",
        ConditionExpression: "#status = :aside",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: {
          ":status": entry.set_aside_from ?? "bronze",
          ":dataset": entry.dataset,
          ":aside": "set_aside",
        },
      }),
    ),
  );
}

/**
 * Reads one ledger entry (strongly consistent, so a repeat event right after the first sees it).
 * @example await getLedgerEntry(doc, "ledger", "car_telemetry", "car_telemetry/a.json#abc")
 */
export async function getLedgerEntry(
  doc: DynamoDBDocumentClient,
  table: string,
  dataset: string,
  fileId: string,
): Promise<LedgerEntry | undefined> {
  const { Item } = await doc.send(
    new GetCommand({ TableName: table, Key: { dataset, file_id: fileId }, ConsistentRead: true }),
  );
  return Item as LedgerEntry | undefined;
}

/**
 * Records an ingested file. Idempotent: an entry that exists already (possibly consolidated
 * since) is left untouched, so a repeated event cannot make a file pending again.
 * @returns true when this call created the entry
 */
export async function recordIngested(doc: DynamoDBDocumentClient, table: string, entry: LedgerEntry): Promise<boolean> {
  return await conditionalWrite(() =>
    doc.send(new PutCommand({ TableName: table, Item: entry, ConditionExpression: "attribute_not_exists(file_id)" })),
  );
}

/**
 * Lists every ledger entry of a dataset (each landing file it ingested), in file id order:
 * what a person browsing the lake's history reads, not something the pipeline does per run.
 * @example await listLedger(doc, "ledger", "car_telemetry")
 */
export async function listLedger(doc: DynamoDBDocumentClient, table: string, dataset: string): Promise<LedgerEntry[]> {
  return allPages<LedgerEntry>((ExclusiveStartKey) =>
    doc.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: "dataset = :dataset",
        ExpressionAttributeValues: { ":dataset": dataset },
        ExclusiveStartKey,
      }),
    ),
  );
}

/**
 * Lists a dataset's files not yet consolidated into silver, oldest first, through the
 * sparse `pending` index (cost follows the pending files, not the dataset's history).
 */
export async function listPending(doc: DynamoDBDocumentClient, table: string, dataset: string): Promise<LedgerEntry[]> {
  return allPages<LedgerEntry>((ExclusiveStartKey) =>
    doc.send(
      new QueryCommand({
        TableName: table,
        IndexName: "pending",
        KeyConditionExpression: "pending_dataset = :dataset",
        ExpressionAttributeValues: { ":dataset": dataset },
        ExclusiveStartKey,
      }),
    ),
  );
}

/**
 * Marks files as consolidated into a silver version: status `silver`, `pending_dataset`
 * removed, and the days their rows fall in recorded when the plan gives them. Conditional on the entry still being pending, so repeating it is a no-op.
 * @param details.silverVersion the silver version that now holds the files' rows
 */
export async function markConsolidated(
  doc: DynamoDBDocumentClient,
  table: string,
  entries: Pick<LedgerEntry, "dataset" | "file_id" | "partition_days">[],
  { silverVersion }: { silverVersion: string },
): Promise<void> {
  const consolidatedAt = new Date().toISOString();
  await eachLimit(entries, 8, async (entry) => {
    const recorded = recordableDays(entry.partition_days);
    const days = recorded ? ", partition_days = :days" : "";
    try {
      await doc.send(
        new UpdateCommand({
          TableName: table,
          Key: { dataset: entry.dataset, file_id: entry.file_id },
          UpdateExpression: `SET #status = :silver, silver_version = :version, consolidated_at = :at${days} REMOVE pending_dataset, recompute_id, recompute_days, failures`,
          ConditionExpression: "attribute_exists(pending_dataset)",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":silver": "silver",
            ":version": silverVersion,
            ":at": consolidatedAt,
            ...(recorded ? { ":days": recorded } : {}),
          },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  });
}

/**
 * Makes every current (not retired) bronze file of a dataset pending again for a rebuild
 * (`rebuild_id`), so the pipeline's plans take them all under the current spec. Files this
 * rebuild already took are skipped: a rebuild resumed after a crash goes on where it stopped.
 * A recompute given its days marks only the files that touch one of them, and the files whose
 * days are unknown but which silver holds (consolidated before days were recorded); a pending
 * file is left to the next plan as it is.
 * @param options the rebuild's id; `recompute` when a replacement started it (the files then
 * carry `recompute_id`, which tells the next normal run's plan to run as this rebuild); `days`,
 * the recompute's days (`yyyymmdd`; absent: the whole history)
 * @returns how many files were made pending
 */
export async function markForRebuild(
  doc: DynamoDBDocumentClient,
  table: string,
  dataset: string,
  { rebuildId, recompute = false, days }: { rebuildId: string; recompute?: boolean; days?: number[] },
): Promise<number> {
  const entries = await allPages<LedgerEntry & { rebuild_id?: string }>((ExclusiveStartKey) =>
    doc.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: "dataset = :dataset",
        ExpressionAttributeValues: { ":dataset": dataset },
        ExclusiveStartKey,
      }),
    ),
  );
  const scoped = recompute && days !== undefined;
  const touches = (entry: LedgerEntry) =>
    entry.partition_days
      ? entry.partition_days.some((day) => days!.includes(day))
      : entry.pending_dataset === undefined;
  // Set-aside files stay out too: their data failed a run, and only redrive takes them back.
  const wanted = entries.filter(
    (entry) =>
      entry.bronze_key &&
      !entry.retired_by &&
      entry.status !== "set_aside" &&
      entry.rebuild_id !== rebuildId &&
      (!scoped || touches(entry)),
  );
  await eachLimit(wanted, 8, async (entry) => {
    // A file pending for another recompute keeps it, and takes this one's days too, unless it
    // takes the whole history already.
    let recomputeSet = "";
    const values: Record<string, unknown> = {};
    if (recompute && !(entry.recompute_id && !entry.recompute_days)) {
      recomputeSet = ", recompute_id = :rebuild";
      if (days) {
        recomputeSet += ", recompute_days = list_append(if_not_exists(recompute_days, :none), :days)";
        Object.assign(values, { ":none": [], ":days": days });
      }
    }
    const removeDays = recompute && !days ? " REMOVE recompute_days" : "";
    try {
      await doc.send(
        new UpdateCommand({
          TableName: table,
          Key: { dataset: entry.dataset, file_id: entry.file_id },
          UpdateExpression: `SET pending_dataset = :dataset, rebuild_id = :rebuild${recomputeSet}${removeDays}`,
          // A file retired meanwhile stays out: its rows are what the newer version replaces.
          ConditionExpression:
            "attribute_exists(bronze_key) AND attribute_not_exists(retired_by) AND #status <> :aside AND (attribute_not_exists(rebuild_id) OR rebuild_id <> :rebuild)",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":dataset": dataset, ":rebuild": rebuildId, ":aside": "set_aside", ...values },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  });
  return wanted.length;
}

/**
 * Retires the older versions of a landing key when a newer one was ingested: every entry of the
 * same key with another ETag (redrive parts included) gets `retired_by` = the newer `file_id` and
 * stops being pending. Their bronze files stay (lineage); no later plan or rebuild reads them.
 * Idempotent: an entry retired already keeps the version that retired it.
 * @param newer the newer version's entry (dataset, file id, key, ETag)
 * @returns every entry this version has retired (now or by an earlier call), for the recompute
 * @example await retireOlderVersions(doc, "ledger", { dataset: "car_telemetry", file_id: "car_telemetry/a.json#def", source_key: "car_telemetry/a.json", etag: "def" })
 */
export async function retireOlderVersions(
  doc: DynamoDBDocumentClient,
  table: string,
  newer: Pick<LedgerEntry, "dataset" | "file_id" | "source_key" | "etag">,
): Promise<LedgerEntry[]> {
  // Every version's file id starts with the key (or, for a key too long for a sort key, with its
  // first hundred characters): the query reads that key's versions, not the dataset's history.
  const prefix = newer.source_key.slice(0, 100);
  const versions = await allPages<LedgerEntry>((ExclusiveStartKey) =>
    doc.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: "dataset = :dataset AND begins_with(file_id, :prefix)",
        FilterExpression: "source_key = :key AND etag <> :etag",
        ExpressionAttributeValues: {
          ":dataset": newer.dataset,
          ":prefix": prefix,
          ":key": newer.source_key,
          ":etag": newer.etag,
        },
        ExclusiveStartKey,
      }),
    ),
  );
  const retiredAt = new Date().toISOString();
  const retired: LedgerEntry[] = [];
  await eachLimit(versions, 8, async (entry) => {
    if (entry.retired_by) {
      if (entry.retired_by === newer.file_id) retired.push(entry);
      return;
    }
    try {
      await doc.send(
        new UpdateCommand({
          TableName: table,
          Key: { dataset: entry.dataset, file_id: entry.file_id },
          UpdateExpression:
            "SET retired_by = :by, retired_at = :at REMOVE pending_dataset, recompute_id, recompute_days",
          ConditionExpression: "attribute_not_exists(retired_by)",
          ExpressionAttributeValues: { ":by": newer.file_id, ":at": retiredAt },
        }),
      );
      retired.push({ ...entry, retired_by: newer.file_id, retired_at: retiredAt });
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  });
  return retired;
}

/** What one redrive of a file's quarantined records changed (see {@link commitRedrive}). */
export interface RedriveCommit {
  /** The file's `redrive_count` the redrive read: the commit applies only while it is unchanged. */
  expectedCount: number;
  /** Records that now pass, moved from quarantined to bronze. */
  recovered: number;
  /** The file's quarantine keys from now on (the still-failing records, if any). */
  quarantineKeys: string[];
  /** The part written for the recovered records (its own entry, pending for silver). */
  part: LedgerEntry;
  /** The original's status from now on (`quarantined` becomes `bronze`; `silver` stays). */
  status: LedgerEntry["status"];
}

/**
 * Commits a redrive of one file's quarantined records: records the part (pending, so silver
 * takes it), then moves the recovered count from quarantined to bronze on the original, in one
 * conditional write on its `redrive_count`. The original's conservation (in = bronze +
 * quarantined) holds before and after; a repeat, or a redrive that lost a race, changes nothing.
 * @returns true when this call committed the redrive
 */
export async function commitRedrive(
  doc: DynamoDBDocumentClient,
  table: string,
  original: Pick<LedgerEntry, "dataset" | "file_id">,
  { expectedCount, recovered, quarantineKeys, part, status }: RedriveCommit,
): Promise<boolean> {
  await recordIngested(doc, table, part);
  return await conditionalWrite(() =>
    doc.send(
      new UpdateCommand({
        TableName: table,
        Key: { dataset: original.dataset, file_id: original.file_id },
        UpdateExpression:
          "SET records_bronze = records_bronze + :recovered, records_quarantined = records_quarantined - :recovered, quarantine_keys = :keys, redrive_count = :next, #status = :status",
        ConditionExpression: expectedCount === 0 ? "attribute_not_exists(redrive_count)" : "redrive_count = :expected",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: {
          ":recovered": recovered,
          ":keys": quarantineKeys,
          ":next": expectedCount + 1,
          ":status": status,
          ...(expectedCount === 0 ? {} : { ":expected": expectedCount }),
        },
      }),
    ),
  );
}

/** What ingesting a file quarantined whole again produced (see {@link commitReingested}). */
export type Reingested = Pick<
  LedgerEntry,
  "status" | "records_in" | "records_bronze" | "records_quarantined" | "quarantine_keys" | "bronze_key" | "coerced"
>;

/**
 * Records that a file once quarantined whole was ingested after all (a redrive under a fixed
 * spec): its counts, keys and status replace the whole-file quarantine, and it is pending for
 * silver when it has bronze rows. Conditional on the entry still having no bronze file, so a
 * repeat changes nothing.
 * @returns true when this call recorded it
 */
export async function commitReingested(
  doc: DynamoDBDocumentClient,
  table: string,
  entry: Pick<LedgerEntry, "dataset" | "file_id">,
  reingested: Reingested,
): Promise<boolean> {
  const { bronze_key, coerced, ...counts } = reingested;
  const values: Record<string, unknown> = {
    ":status": counts.status,
    ":in": counts.records_in,
    ":bronze": counts.records_bronze,
    ":quarantined": counts.records_quarantined,
    ":keys": counts.quarantine_keys,
    ":at": new Date().toISOString(),
  };
  const sets = [
    "#status = :status",
    "records_in = :in",
    "records_bronze = :bronze",
    "records_quarantined = :quarantined",
    "quarantine_keys = :keys",
    "reingested_at = :at",
  ];
  if (bronze_key) {
    sets.push("bronze_key = :key", "pending_dataset = :dataset");
    values[":key"] = bronze_key;
    values[":dataset"] = entry.dataset;
  }
  if (coerced) {
    sets.push("coerced = :coerced");
    values[":coerced"] = coerced;
  }
  return await conditionalWrite(() =>
    doc.send(
      new UpdateCommand({
        TableName: table,
        Key: { dataset: entry.dataset, file_id: entry.file_id },
        UpdateExpression: `SET ${sets.join(", ")} REMOVE reason`,
        ConditionExpression: "attribute_not_exists(bronze_key) AND records_in = :zero",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ...values, ":zero": 0 },
      }),
    ),
  );
}
