import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { TestLake } from "@medallion/testing/lake";
import { startTestLake } from "@medallion/testing/lake";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LedgerEntry } from "../../src/ledger/ledger";
import {
  getLedgerEntry,
  listPending,
  MAX_RECORDED_DAYS,
  markConsolidated,
  markForRebuild,
  recordIngested,
  recordPlanFailure,
  restoreSetAside,
  retireOlderVersions,
} from "../../src/ledger/ledger";

function entry(dataset: string, n: number, bronze: number): LedgerEntry {
  const e: LedgerEntry = {
    dataset,
    file_id: `${dataset}/f${n}.json#e${n}`,
    source_key: `${dataset}/f${n}.json`,
    etag: `e${n}`,
    status: bronze > 0 ? "bronze" : "quarantined",
    records_in: 3,
    records_bronze: bronze,
    records_quarantined: 3 - bronze,
    quarantine_keys: [],
    ingested_at: `2024-01-01T00:00:0${n}Z`,
  };
  if (bronze > 0) {
    e.bronze_key = `${dataset}/ingest_date=2024-01-01/f${n}-e${n}.parquet`;
    e.pending_dataset = dataset;
  }
  return e;
}

describe("ledger", () => {
  let stack: TestLake;
  let table: string;
  beforeAll(async () => {
    stack = await startTestLake();
    table = stack.services.names.Ledger!;
  });
  afterAll(async () => stack.close());

  it("records an entry once: a repeated put leaves the first (possibly consolidated) entry untouched", async () => {
    // Prepare
    const first = entry("ds_once", 1, 3);
    // Act
    const created = await recordIngested(stack.doc, table, first);
    await markConsolidated(stack.doc, table, [first], { silverVersion: "v1" });
    const again = await recordIngested(stack.doc, table, { ...first, records_in: 99 });
    // Assess
    expect([created, again]).toEqual([true, false]);
    const stored = await getLedgerEntry(stack.doc, table, "ds_once", first.file_id);
    expect(stored).toMatchObject({ status: "silver", records_in: 3, silver_version: "v1" });
    expect(stored?.pending_dataset).toBeUndefined();
  });

  it("lists only the dataset's unconsolidated files with bronze rows, oldest first", async () => {
    // Prepare
    const entries = [entry("ds_list", 3, 2), entry("ds_list", 1, 1), entry("ds_list", 2, 0), entry("ds_other", 4, 3)];
    for (const e of entries) await recordIngested(stack.doc, table, e);
    // Act
    const pending = await listPending(stack.doc, table, "ds_list");
    // Assess
    expect(pending.map((e) => e.file_id)).toEqual(["ds_list/f1.json#e1", "ds_list/f3.json#e3"]);
  });

  it("pages through more pending files than one query returns", async () => {
    // Prepare: 60 items of 20 KB overflow DynamoDB's 1 MB query page.
    const padding = "x".repeat(20_000);
    for (let n = 0; n < 60; n++)
      await recordIngested(stack.doc, table, {
        ...entry("ds_pages", n, 1),
        ingested_at: `2024-01-01T00:${String(n).padStart(2, "0")}:00Z`,
        reason: padding,
      });
    let queries = 0;
    const counting = {
      send: (command: never) => {
        queries++;
        return stack.doc.send(command);
      },
    } as unknown as DynamoDBDocumentClient;
    // Act
    const pending = await listPending(counting, table, "ds_pages");
    // Assess
    expect(queries).toBeGreaterThan(1);
    expect(pending).toHaveLength(60);
    expect(new Set(pending.map((e) => e.file_id)).size).toBe(60);
  });

  it("marks files consolidated idempotently: a second call changes nothing and does not fail", async () => {
    // Prepare
    const entries = [entry("ds_mark", 1, 1), entry("ds_mark", 2, 1), entry("ds_mark", 3, 1)];
    for (const e of entries) await recordIngested(stack.doc, table, e);
    // Act
    await markConsolidated(stack.doc, table, entries.slice(0, 2), { silverVersion: "v1" });
    await markConsolidated(stack.doc, table, entries.slice(0, 2), { silverVersion: "v2" });
    // Assess
    expect((await listPending(stack.doc, table, "ds_mark")).map((e) => e.file_id)).toEqual([entries[2]!.file_id]);
    const done = await getLedgerEntry(stack.doc, table, "ds_mark", entries[0]!.file_id);
    expect(done).toMatchObject({ status: "silver", silver_version: "v1" });
  });

  it("retires a key's older versions once, and keeps them out of a rebuild", async () => {
    // Prepare: version e1 of a key consolidated, a redrive part of it, version e2 ingested, another file
    const older = entry("ds_retire", 1, 3);
    const part: LedgerEntry = {
      ...entry("ds_retire", 1, 3),
      file_id: `${older.file_id}#redrive-1`,
      redrive_of: older.file_id,
    };
    const newer = { ...entry("ds_retire", 2, 3), file_id: "ds_retire/f1.json#e2", source_key: "ds_retire/f1.json" };
    const other = entry("ds_retire", 3, 3);
    for (const e of [older, part, newer, other]) await recordIngested(stack.doc, table, e);
    await markConsolidated(stack.doc, table, [older, other], { silverVersion: "v1" });
    // Act
    const retired = await retireOlderVersions(stack.doc, table, newer);
    const again = await retireOlderVersions(stack.doc, table, newer);
    const marked = await markForRebuild(stack.doc, table, "ds_retire", { rebuildId: "r1", recompute: true });
    // Assess: both entries of e1 retired by e2, none pending; the rebuild takes e2 and the other file
    expect(retired.map((e) => e.file_id).sort()).toEqual([older.file_id, part.file_id]);
    expect(again.map((e) => e.file_id).sort()).toEqual([older.file_id, part.file_id]);
    expect(await getLedgerEntry(stack.doc, table, "ds_retire", older.file_id)).toMatchObject({
      retired_by: newer.file_id,
      status: "silver",
    });
    expect(marked).toBe(2);
    const pending = await listPending(stack.doc, table, "ds_retire");
    expect(pending.map((e) => [e.file_id, e.recompute_id])).toEqual([
      [newer.file_id, "r1"],
      [other.file_id, "r1"],
    ]);
  });
  it("records the days a consolidated file's rows fall in, when the plan gives them", async () => {
    // Prepare
    const [withDays, without] = [entry("ds_days", 1, 1), entry("ds_days", 2, 1)];
    for (const e of [withDays, without]) await recordIngested(stack.doc, table, e);
    // Act
    await markConsolidated(stack.doc, table, [{ ...withDays, partition_days: [20240101, 20240102] }, without], {
      silverVersion: "v1",
    });
    // Assess
    expect(await getLedgerEntry(stack.doc, table, "ds_days", withDays.file_id)).toMatchObject({
      status: "silver",
      partition_days: [20240101, 20240102],
    });
    expect((await getLedgerEntry(stack.doc, table, "ds_days", without.file_id))?.partition_days).toBeUndefined();
  });

  it("holds as many days as an entry records within DynamoDB's item size, and consolidation records no more", async () => {
    // Prepare: the most days an entry records, each of eight significant digits (the most a day takes)
    const days = Array.from({ length: MAX_RECORDED_DAYS }, (_, i) => 21_000_000 + 1_111 + i * 101);
    const most = { ...entry("ds_most_days", 1, 3), partition_days: days, bronze_etag: "e".repeat(32) };
    const over = entry("ds_most_days", 2, 3);
    // Act
    const created = await recordIngested(stack.doc, table, most);
    await recordIngested(stack.doc, table, over);
    await markConsolidated(stack.doc, table, [most, { ...over, partition_days: [...days, 29_991_231] }], {
      silverVersion: "v1",
    });
    // Assess
    expect(created).toBe(true);
    expect((await getLedgerEntry(stack.doc, table, "ds_most_days", most.file_id))?.partition_days).toEqual(days);
    const consolidated = await getLedgerEntry(stack.doc, table, "ds_most_days", over.file_id);
    expect(consolidated?.status).toBe("silver");
    expect(consolidated?.partition_days).toBeUndefined();
  });

  it("marks for a recompute of some days only the files touching them, and the consolidated ones of unknown days", async () => {
    // Prepare: consolidated files of day 1, of days 2-3, of unknown days; a new file still pending (unknown days)
    const files = [1, 2, 3, 4].map((n) => entry("ds_scope", n, 1));
    for (const e of files) await recordIngested(stack.doc, table, e);
    await markConsolidated(
      stack.doc,
      table,
      [{ ...files[0]!, partition_days: [20240101] }, { ...files[1]!, partition_days: [20240102, 20240103] }, files[2]!],
      { silverVersion: "v1" },
    );
    // Act: a recompute of day 3, then another of days 1 and 3
    const first = await markForRebuild(stack.doc, table, "ds_scope", {
      rebuildId: "r1",
      recompute: true,
      days: [20240103],
    });
    const second = await markForRebuild(stack.doc, table, "ds_scope", {
      rebuildId: "r2",
      recompute: true,
      days: [20240101, 20240103],
    });
    // Assess: a pending file of unknown days is left as it was (the plan takes it either way, and
    // takes the union of every pending recompute's days); one of known days takes both recomputes' days
    expect([first, second]).toEqual([2, 2]);
    const pending = await listPending(stack.doc, table, "ds_scope");
    expect(pending.map((e) => [e.file_id, e.recompute_id, e.recompute_days])).toEqual([
      [files[0]!.file_id, "r2", [20240101, 20240103]],
      [files[1]!.file_id, "r2", [20240103, 20240101, 20240103]],
      [files[2]!.file_id, "r1", [20240103]],
      [files[3]!.file_id, undefined, undefined],
    ]);
  });

  it("counts a failed plan on each of its files, and sets aside a file that fails alone twice", async () => {
    // Prepare
    const [a, b] = [entry("ds_poison", 1, 3), entry("ds_poison", 2, 3)];
    for (const e of [a, b]) await recordIngested(stack.doc, table, e);
    const failure = { error: "States.TaskFailed: bad data", step: "silver" };
    // Act: two failures with both files, then one with the first alone
    const together = [
      await recordPlanFailure(stack.doc, table, [a, b], failure),
      await recordPlanFailure(stack.doc, table, [a, b], failure),
    ];
    const alone = await recordPlanFailure(stack.doc, table, [a], failure);
    // Assess
    expect(together).toEqual([[], []]);
    expect(alone).toEqual([a.file_id]);
    expect(await getLedgerEntry(stack.doc, table, "ds_poison", a.file_id)).toMatchObject({
      status: "set_aside",
      set_aside_from: "bronze",
      failures: 3,
      last_error: "States.TaskFailed: bad data",
      failed_step: "silver",
    });
    expect((await listPending(stack.doc, table, "ds_poison")).map((e) => [e.file_id, e.failures])).toEqual([
      [b.file_id, 2],
    ]);
  });

  it("sets aside a lone pending file on its second failure, and a redrive restores it once", async () => {
    // Prepare
    const lone = entry("ds_lone", 1, 3);
    await recordIngested(stack.doc, table, lone);
    const failure = { error: "States.TaskFailed: bad data", step: "gold" };
    // Act
    const first = await recordPlanFailure(stack.doc, table, [lone], failure);
    const second = await recordPlanFailure(stack.doc, table, [lone], failure);
    const stored = await getLedgerEntry(stack.doc, table, "ds_lone", lone.file_id);
    const restored = [
      await restoreSetAside(stack.doc, table, stored!),
      await restoreSetAside(stack.doc, table, stored!),
    ];
    // Assess
    expect([first, second]).toEqual([[], [lone.file_id]]);
    expect(restored).toEqual([true, false]);
    const back = await getLedgerEntry(stack.doc, table, "ds_lone", lone.file_id);
    expect(back).toMatchObject({ status: "bronze", pending_dataset: "ds_lone" });
    expect(back?.failures).toBeUndefined();
    expect((await listPending(stack.doc, table, "ds_lone")).map((e) => e.file_id)).toEqual([lone.file_id]);
  });

  it("keeps a set-aside file out of a rebuild: only redrive takes it back", async () => {
    // Prepare: two files, the first set aside after failing alone twice
    const [poison, good] = [entry("ds_aside_rebuild", 1, 3), entry("ds_aside_rebuild", 2, 3)];
    for (const e of [poison, good]) await recordIngested(stack.doc, table, e);
    const failure = { error: "States.TaskFailed: bad data", step: "silver" };
    await recordPlanFailure(stack.doc, table, [poison], failure);
    await recordPlanFailure(stack.doc, table, [poison], failure);
    await markConsolidated(stack.doc, table, [good], { silverVersion: "v1" });
    // Act
    const marked = await markForRebuild(stack.doc, table, "ds_aside_rebuild", { rebuildId: "r1" });
    // Assess
    expect(marked).toBe(1);
    expect((await listPending(stack.doc, table, "ds_aside_rebuild")).map((e) => e.file_id)).toEqual([good.file_id]);
    expect(await getLedgerEntry(stack.doc, table, "ds_aside_rebuild", poison.file_id)).toMatchObject({
      status: "set_aside",
    });
  });
});
