import type { FunctionName } from "@medallion/stacks/functions";
import { functions } from "@medallion/stacks/functions";
import type { TestDynamo } from "@medallion/testing/dynamo";
import { startTestDynamo } from "@medallion/testing/dynamo";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

describe("the handlers @medallion/stacks/functions declares", () => {
  let dynamo: TestDynamo;
  beforeAll(async () => {
    // Some handler modules read their SST links when loaded.
    dynamo = await startTestDynamo({ applyEnv: true });
  });
  afterAll(() => dynamo.close());

  it.each(Object.keys(functions) as FunctionName[])(
    "exports %s's handler from packages/functions/src",
    async (name) => {
      // Prepare
      const [file, exported] = functions[name].handler.split(".") as [string, string];
      // Act
      const module = (await import(`../src/${file}.ts`)) as Record<string, unknown>;
      // Assess
      expect(typeof module[exported], functions[name].handler).toBe("function");
    },
  );
});
