import fs from "node:fs";
import fsp, { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire, syncBuiltinESMExports } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { S3Client } from "@aws-sdk/client-s3";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { shownError } from "@medallion/local/commands/errors";
import { StorageWriteError } from "@medallion/local/services/errors";
import type { LocalStack } from "@medallion/local/stack";
import { medallion } from "@medallion/testing/cli";
import type { EmbeddedStack } from "@medallion/testing/embedded-stack";
import { startEmbeddedStack } from "@medallion/testing/embedded-stack";
import { carReadings, expectedSilver, silverReadingsSql } from "@medallion/testing/readings";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// A full disk or a data directory that cannot be written: one line naming the path, a non-zero
// exit, nothing half-written, and the same command run again once it is fixed converges at once.
describe("a full or unwritable data directory", () => {
  let root: string;
  let landing: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "medallion-storage-"));
    landing = join(root, "landing");
    await fs.promises.mkdir(join(landing, "car_telemetry"), { recursive: true });
    await writeFile(
      join(landing, "car_telemetry", "a.ndjson"),
      carReadings(1)
        .map((r) => JSON.stringify(r))
        .join("\n"),
    );
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it("says in one line which path it cannot write when the data directory is not writable, and a rerun once it is converges", async () => {
    // Prepare: a data directory nobody may write. Root ignores permissions, so there (and only
    // there) the directory's place is taken by a file, which no one can write into either.
    const dataDir = join(root, "state");
    const asRoot = process.getuid?.() === 0;
    if (asRoot) await writeFile(dataDir, "a file where the data directory goes");
    else await fs.promises.mkdir(dataDir, { mode: 0o500 });
    const args = ["run", "--landing", landing, "--data-dir", join(dataDir, "lake")];
    // Act
    const refused = await medallion(args);
    // Assess: exit 1, one line naming the path, no stack trace.
    expect(refused.code).toBe(1);
    const lines = refused.stderr.trim().split("\n");
    expect(lines, refused.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(asRoot ? /^medallion: cannot write .*state\/lake: .*\(ENOTDIR\)/ : /\(EACCES\)/);
    expect(lines[0]).toContain(dataDir);

    // Act: the directory made writable, the same command again.
    if (asRoot) await rm(dataDir);
    else await fs.promises.chmod(dataDir, 0o700);
    const rerun = await medallion([...args, "--json"]);
    // Assess
    expect(rerun.code, rerun.stderr).toBe(0);
    const silver = await medallion(["query", silverReadingsSql, "--json", "--data-dir", join(dataDir, "lake")]);
    expect(JSON.parse(silver.stdout).results[0].rows).toEqual(expectedSilver(carReadings(1)));
  });

  describe("on the embedded stack, when the disk fills", () => {
    let lake: EmbeddedStack;
    let dataDir: string;
    let stack: LocalStack;
    let s3: S3Client;
    beforeAll(async () => {
      lake = await startEmbeddedStack({ name: "full" });
      ({ dataDir, stack, s3 } = lake);
    });
    afterAll(() => lake?.close());

    // No small file system can be mounted here: ENOSPC is raised where the local S3 store
    // writes a file under `folder` (a whole write, or the stream of one), as the kernel would.
    function fillDisk(folder: string): () => void {
      const { writeFile: realWriteFile } = fsp;
      const { createWriteStream: realCreateWriteStream } = fs;
      const full = (path: unknown) => String(path).startsWith(folder);
      const enospc = (path: unknown) =>
        Object.assign(new Error(`ENOSPC: no space left on device, write '${String(path)}'`), {
          code: "ENOSPC",
          syscall: "write",
          path: String(path),
        });
      fsp.writeFile = ((path: Parameters<typeof realWriteFile>[0], ...rest: unknown[]) =>
        full(path)
          ? Promise.reject(enospc(path))
          : (realWriteFile as (...args: unknown[]) => Promise<void>)(path, ...rest)) as typeof realWriteFile;
      fs.createWriteStream = ((path: fs.PathLike, options?: unknown) =>
        full(path)
          ? new Writable({ write: (_chunk, _encoding, callback) => callback(enospc(path)) })
          : realCreateWriteStream(path, options as never)) as typeof fs.createWriteStream;
      syncBuiltinESMExports();
      return () => {
        fsp.writeFile = realWriteFile;
        fs.createWriteStream = realCreateWriteStream;
        syncBuiltinESMExports();
      };
    }

    it("fails the ingestion naming the object's path and ENOSPC, leaves no object, and converges once space is back", async () => {
      // Prepare
      const bronzeFolder = join(stack.services.s3.directory, stack.names.Bronze!);
      const key = "car_telemetry/full.ndjson";
      const land = () => lake.land(key, carReadings(2));
      // Act
      const spaceBack = fillDisk(bronzeFolder);
      let failed: Awaited<ReturnType<typeof land>>;
      try {
        failed = await land();
      } finally {
        spaceBack();
      }
      // Assess: one line, naming the bronze object's path and the cause; nothing in bronze.
      expect(failed.error).toBeDefined();
      expect(String(failed.error).split("\n")).toHaveLength(1);
      expect(String(failed.error)).toMatch(/cannot write .*\(ENOSPC\)/);
      expect(String(failed.error)).toContain(bronzeFolder);
      expect(await listBronze()).toEqual([]);

      // Act: space is back. The file is still in landing; the sweeper re-drives it (as the next
      // `medallion run` or the schedule would), then the pipeline runs.
      const swept = (await stack.invoke("SweepLanding", { graceSeconds: 0 })) as { redriven: string[] };
      // Ingested once its landing object is archived (the ledger entry is written before).
      for (let waited = 0; (await listLanding()).includes(key) && waited < 20_000; waited += 100)
        await new Promise((resolve) => setTimeout(resolve, 100));
      const run = await stack.execute({
        dataset: "car_telemetry",
        window: { from: "2024-05-01T00:00:00Z", to: "2024-05-04T00:00:00Z" },
      });
      // Assess
      expect(swept.redriven).toEqual([key]);
      expect(await listBronze()).toHaveLength(1);
      expect(await listLanding()).toEqual([`_done/${key}`]);
      expect(run.status, JSON.stringify(run.error)).toBe("SUCCEEDED");
      const silver = await stack.engine.sql(silverReadingsSql);
      expect(silver.rows.map((row) => ({ ...row }))).toEqual(expectedSilver(carReadings(2)));

      async function listLanding(): Promise<string[]> {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: stack.names.Landing }));
        return (page.Contents ?? []).map((object) => object.Key!);
      }
      async function listBronze(): Promise<string[]> {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: stack.names.Bronze }));
        return (page.Contents ?? []).map((object) => object.Key!);
      }
    });

    // LevelDB (dynalite's store) raises a full disk as an IO error naming its log file, with no
    // errno code: raised here from its writes under this stack's `dynamodb` folder, as it says it.
    function fillDynamoDisk(folder: string): () => void {
      const dynaliteRequire = createRequire(createRequire(import.meta.url).resolve("dynalite"));
      const { Level } = dynaliteRequire("level") as {
        Level: { prototype: Record<string, (this: { location: string }, ...args: unknown[]) => Promise<unknown>> };
      };
      const real = { _put: Level.prototype._put!, _batch: Level.prototype._batch! };
      for (const [name, write] of Object.entries(real))
        Level.prototype[name] = function (this: { location: string }, ...args: unknown[]) {
          if (!this.location.startsWith(folder)) return write.apply(this, args);
          return Promise.reject(
            Object.assign(new Error(`IO error: ${join(this.location, "000005.log")}: No space left on device`), {
              code: "LEVEL_IO_ERROR",
            }),
          );
        };
      return () => Object.assign(Level.prototype, real);
    }

    it("answers a DynamoDB write on a full disk with one line naming the store's path, and takes it once space is back", async () => {
      // Prepare
      const folder = join(dataDir, "dynamodb");
      const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 1 }));
      const lock = { TableName: stack.names.Lock, Item: { name: "disk-full", owner: "a" } };
      // Act
      const spaceBack = fillDynamoDisk(folder);
      let refused: unknown;
      try {
        refused = await doc.send(new PutCommand(lock)).catch((error: unknown) => error);
      } finally {
        spaceBack();
      }
      // Assess: the process is alive, the caller got the one line, and the CLI shows it as such.
      expect(refused).toBeInstanceOf(Error);
      const line = (refused as Error).message;
      expect(line).toBe(
        `cannot write ${join(folder, "000005.log")}: no space left on the device (ENOSPC); free space, then run again`,
      );
      expect(shownError(refused)).toBeInstanceOf(StorageWriteError);
      expect((shownError(refused) as StorageWriteError).path).toBe(join(folder, "000005.log"));

      // Act: space is back; the same write again.
      await doc.send(new PutCommand(lock));
      const stored = await doc.send(new GetCommand({ TableName: stack.names.Lock, Key: { name: "disk-full" } }));
      doc.destroy();
      // Assess
      expect(stored.Item).toEqual(lock.Item);
    });
  });
});
