import { lambdaContext } from "@medallion/testing/lambda";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { lambdaHandler, MAX_ERROR_MESSAGE_LENGTH } from "../../src/shared/handler";

class QueryTooLongError extends Error {
  override name = "QueryTooLongError";
}

describe("lambdaHandler", () => {
  it("clips an error's message before it leaves the handler, keeping its name and start", async () => {
    // Prepare: a failure whose message repeats 300 KB of SQL, more than a Step Functions state holds.
    const handler = lambdaHandler(z.object({}), async () => {
      throw new QueryTooLongError(`query failed: ${"SELECT 1 UNION ALL ".repeat(16_000)}`);
    });
    // Act
    const failure = await handler({}, lambdaContext("clip")).catch((error: Error) => error);
    // Assess
    expect(failure).toBeInstanceOf(QueryTooLongError);
    expect((failure as Error).message.startsWith("query failed: SELECT 1")).toBe(true);
    expect((failure as Error).message.length).toBeLessThan(MAX_ERROR_MESSAGE_LENGTH + 100);
  });
});
