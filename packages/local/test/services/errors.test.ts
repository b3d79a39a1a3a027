import { describe, expect, it } from "vitest";
import { StorageWriteError } from "../../src/services/errors";

describe("StorageWriteError.of", () => {
  it("reads a refused write from the text of DuckDB, LevelDB and its own line carried in another message", () => {
    // Prepare
    const duckdb = new Error('IO Error: Could not write file "/data/tmp/x.parquet": No space left on device');
    const leveldb = Object.assign(new Error("IO error: /data/dynamodb/000005.log: Read-only file system"), {
      code: "LEVEL_IO_ERROR",
    });
    const carried = new Error(
      `States.TaskFailed: ${new StorageWriteError("/data/s3/bronze/a.parquet", "EDQUOT").message}`,
    );
    // Act
    const found = [duckdb, leveldb, carried].map((error) => StorageWriteError.of(error));
    // Assess
    expect(found.map((refusal) => refusal && [refusal.path, refusal.code])).toEqual([
      ["/data/tmp/x.parquet", "ENOSPC"],
      ["/data/dynamodb/000005.log", "EROFS"],
      ["/data/s3/bronze/a.parquet", "EDQUOT"],
    ]);
    expect(found[0]?.message).toBe(
      "cannot write /data/tmp/x.parquet: no space left on the device (ENOSPC); free space, then run again",
    );
  });

  it("leaves other errors alone, file names in them included", () => {
    // Act
    const found = [
      new Error('IO Error: No files found that match the pattern "/data/s3/x.parquet"'),
      new Error("IO error: /data/dynamodb/000005.log: Corruption: bad block"),
    ].map((error) => StorageWriteError.of(error));
    // Assess
    expect(found).toEqual([undefined, undefined]);
  });
});
