import { createReadStream } from "node:fs";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { carReadings } from "@medallion/testing/readings";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConvertOptions, ConvertResult } from "../../src/bronze/convert";
import { convertToBronze, OFF_THREAD_BYTES, setConversionsAtOnce } from "../../src/bronze/convert";
import { carTelemetry } from "../../src/dataset/car-telemetry";

const utf8 = (text: string) => new TextEncoder().encode(text);
const days = { path: ["metricTimestamp"], partition: carTelemetry.silver!.partition };

async function* chunked(bytes: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

// A conversion with its callbacks' calls logged in order, and its outcome: the result or the error.
async function converted(
  input: AsyncIterable<Uint8Array>,
  options: Omit<ConvertOptions, "spec" | "sourceKey"> & Partial<Pick<ConvertOptions, "spec">>,
) {
  const calls: unknown[] = [];
  try {
    const result = await convertToBronze(input, {
      spec: carTelemetry,
      sourceKey: "car_telemetry/readings.ndjson",
      days,
      progressEvery: 25_000,
      onRejected: (record) => calls.push({ rejected: record }),
      onProgress: (progress) => calls.push({ progress }),
      ...options,
    });
    return { result, calls, bytes: result.parquetPath ? await readFile(result.parquetPath) : undefined };
  } catch (error) {
    const { name, message, line, code } = error as Error & { line?: number; code?: string };
    const left = await stat(options.parquetPath).catch(() => undefined);
    return { error: { type: (error as Error).constructor, name, message, line, code }, calls, left };
  }
}

const withoutThread = ({ parsedOn, ...result }: ConvertResult) => result;

describe("convertToBronze, off the calling thread", () => {
  let dir: string;
  let large: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "medallion-offload-"));
    // 100k readings over three days, some read on the general path (a field the spec does not
    // know goes to `_extra`) and some rejected.
    const lines = carReadings(0, 100_000).map((reading, i) =>
      i % 25_000 === 7
        ? '{"carChassis":"A",}'
        : JSON.stringify(i % 10_000 === 3 ? { ...reading, note: `general path ${i}` } : reading),
    );
    large = join(dir, "large.ndjson");
    await writeFile(large, `${lines.join("\n")}\n`);
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it("converts on the calling thread one file at a time, and each file whole on a worker when several convert at once, to the same bytes", async () => {
    // Prepare
    expect((await stat(large)).size).toBeGreaterThan(OFF_THREAD_BYTES);
    const options = (name: string) => ({ parquetPath: join(dir, `${name}.parquet`) });
    // Act
    const alone = await converted(createReadStream(large), options("alone"));
    setConversionsAtOnce(2);
    const atOnce = await Promise.all([
      converted(createReadStream(large), options("first")),
      converted(createReadStream(large), options("second")),
    ]).finally(() => setConversionsAtOnce(1));
    // Assess: which path ran
    expect(alone.result?.parsedOn).toBe("caller");
    expect(atOnce.map(({ result }) => result?.parsedOn)).toEqual(["worker", "worker"]);
    // Assess: the same Parquet bytes, result, rejected records and progress, in the same order
    expect(alone.result).toMatchObject({ recordsIn: 100_000, recordsBronze: 99_996, recordsRejected: 4 });
    for (const other of atOnce) {
      expect(other.bytes!.equals(alone.bytes!)).toBe(true);
      expect(withoutThread(other.result!)).toEqual({
        ...withoutThread(alone.result!),
        parquetPath: other.result!.parquetPath,
      });
      expect(other.calls).toEqual(alone.calls);
    }
  });

  it("converts small files on the calling thread, even when several convert at once", async () => {
    // Prepare
    const body = utf8(
      `${carReadings(1, 50)
        .map((reading) => JSON.stringify(reading))
        .join("\n")}\n`,
    );
    setConversionsAtOnce(2);
    // Act
    const outcomes = await Promise.all(
      [0, 1].map((n) => converted(chunked(body, 1024), { parquetPath: join(dir, `small-${n}.parquet`) })),
    ).finally(() => setConversionsAtOnce(1));
    // Assess
    expect(outcomes.map(({ result }) => result?.parsedOn)).toEqual(["caller", "caller"]);
    expect(outcomes.map(({ result }) => result?.recordsBronze)).toEqual([50, 50]);
  });

  it("refuses a count of conversions at once that is not one or more", () => {
    expect(() => setConversionsAtOnce(0)).toThrow(RangeError);
    expect(() => setConversionsAtOnce(1.5)).toThrow(/1.5 is not a count/);
  });

  const ok = (n: number) => JSON.stringify(carReadings(n, 1)[0]);
  const cases: { name: string; body: Uint8Array; options?: Partial<ConvertOptions>; folder?: string }[] = [
    { name: "an empty file", body: utf8("") },
    { name: "an array that never closes", body: utf8(`[${ok(1)},\n${ok(2)}`) },
    { name: "an object cut short", body: utf8(`{"carChassis":"CAR2","currentMil`) },
    { name: "non-UTF-8 bytes", body: Uint8Array.from([...utf8(`${ok(1)}\n{"a":"caf`), 0xe9, ...utf8('"}\n')]) },
    {
      name: "a records path that is not an array",
      body: utf8('{"data":{"items":1}}'),
      options: { spec: { ...carTelemetry, records: "data.items" } },
    },
    { name: "NDJSON whose last line is cut short", body: utf8(`${ok(1)}\n${ok(2)}\n{"carChassis":"B","curr`) },
    {
      name: "records too long, too deep, of the wrong types or not objects",
      body: utf8(
        [
          ok(1),
          `{"carChassis":"${"x".repeat(5000)}"}`,
          `{"d":${"[".repeat(50)}${"]".repeat(50)}}`,
          '{"carChassis":{"id":1}}',
          "42",
          ok(2),
        ].join("\n"),
      ),
      options: { maxRecordChars: 4096 },
    },
    { name: "a codec it cannot compress with", body: utf8(ok(1)), options: { codec: "GZIP" } },
    { name: "an output folder that does not exist", body: utf8(ok(1)), folder: "no-such-folder" },
  ];
  for (const { name, body, options = {}, folder } of cases)
    it(`ends ${name} as converting in place does: the same result, or the same error (class, message, line)`, async () => {
      // Prepare
      const file = (path: string) =>
        join(dir, ...(folder ? [folder] : []), `${name.replace(/\W+/g, "-")}-${path}.parquet`);
      // Act
      const here = await converted(chunked(body, 7), { ...options, parquetPath: file("here"), offThread: false });
      const away = await converted(chunked(body, 7), { ...options, parquetPath: file("away"), offThread: true });
      // Assess
      expect(away.calls).toEqual(here.calls);
      if (here.error) {
        // An error naming the output file names each its own.
        expect(away.error).toEqual({ ...here.error, message: here.error.message.replace(file("here"), file("away")) });
        expect(away.left).toBeUndefined();
      } else {
        expect(away.result?.parsedOn).toBe("worker");
        expect(away.bytes).toEqual(here.bytes);
        expect(withoutThread(away.result!)).toEqual({
          ...withoutThread(here.result!),
          parquetPath: here.result!.parquetPath && away.result!.parquetPath,
        });
      }
    });

  it("throws the input's own error when the input fails half-way, and leaves no Parquet file", async () => {
    // Prepare
    const failure = new Error("socket hang up");
    const body = utf8(`${ok(1)}\n`.repeat(20_000));
    async function* failing(): AsyncIterable<Uint8Array> {
      yield* chunked(body, 64 * 1024);
      throw failure;
    }
    const parquetPath = join(dir, "failing.parquet");
    // Act
    const attempt = convertToBronze(failing(), { spec: carTelemetry, sourceKey: "k", parquetPath, offThread: true });
    // Assess
    await expect(attempt).rejects.toBe(failure);
    await expect(stat(parquetPath)).rejects.toThrow(/ENOENT/);
  });
});
