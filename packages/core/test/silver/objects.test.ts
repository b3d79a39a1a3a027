import { PutObjectCommand } from "@aws-sdk/client-s3";
import type { TestLake } from "@medallion/testing/lake";
import { startTestLake } from "@medallion/testing/lake";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ParsedObjectCache } from "../../src/silver/objects";

describe("ParsedObjectCache", () => {
  let stack: TestLake;
  let bucket: string;
  beforeAll(async () => {
    stack = await startTestLake();
    bucket = stack.services.names.Silver!;
  });
  afterAll(() => stack.close());

  const put = (key: string, value: unknown) =>
    stack.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(value) }));

  it("parses an object once while its ETag holds, and again once it is overwritten", async () => {
    // Arrange
    const parsed: unknown[] = [];
    const cache = new ParsedObjectCache((json) => {
      parsed.push(json);
      return { ...(json as object) };
    });
    await put("_plans/a.json", { n: 1 });
    // Act
    const first = await cache.get(stack.s3, bucket, "_plans/a.json");
    const again = await cache.get(stack.s3, bucket, "_plans/a.json");
    await put("_plans/a.json", { n: 2 });
    const changed = await cache.get(stack.s3, bucket, "_plans/a.json");
    // Assess
    expect(first).toEqual({ n: 1 });
    expect(again).toBe(first);
    expect(changed).toEqual({ n: 2 });
    expect(parsed).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it("keeps only its capacity, dropping the least recently read", async () => {
    // Arrange
    let parses = 0;
    const cache = new ParsedObjectCache((json) => {
      parses += 1;
      return json;
    }, 2);
    for (const name of ["x", "y", "z"]) await put(`_plans/${name}.json`, { name });
    // Act
    for (const name of ["x", "y", "x", "z", "x", "y"]) await cache.get(stack.s3, bucket, `_plans/${name}.json`);
    // Assess: x y (2), x kept, z drops y (3), x kept, y drops z (4)
    expect(parses).toBe(4);
  });

  it("fails as S3 does for a missing object", async () => {
    // Act / Assess
    await expect(new ParsedObjectCache((json) => json).get(stack.s3, bucket, "_plans/none.json")).rejects.toThrow();
  });
});
