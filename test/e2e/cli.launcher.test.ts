import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startMedallion } from "@medallion/testing/cli";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The CLI bounds glibc's malloc arenas by starting itself again with MALLOC_ARENA_MAX set
// (`packages/local/bin/medallion.js`): the very process the caller started (same pid, the one
// that claims the data directory) runs with it, and a value of the user's own is left alone.
describe.runIf(process.platform === "linux")("the medallion launcher", () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "medallion-launcher-"));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  // The environment a running process was started with, as the kernel keeps it.
  async function environmentOf(pid: number): Promise<Map<string, string>> {
    const entries = (await readFile(`/proc/${pid}/environ`, "utf8")).split("\0").filter(Boolean);
    return new Map(entries.map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)]));
  }

  it.each([
    { given: undefined, runsWith: "2" },
    { given: "4", runsWith: "4" },
  ])(
    "runs with MALLOC_ARENA_MAX=$runsWith when the caller's is $given, in the process started",
    async ({ given, runsWith }) => {
      // Prepare: only `given` counts, not what the tests' own environment may set.
      const dataDir = join(root, `state-${given ?? "unset"}`);

      // Act
      const dev = startMedallion(["dev", "--data-dir", dataDir, "--s3-port", "0", "--dynamodb-port", "0"], {
        env: { MALLOC_ARENA_MAX: given },
      });
      try {
        await dev.waitFor(/Ready\. Ctrl-C to stop\./);

        // Assess: the pid started is the one serving, with the variable set.
        const pid = dev.child.pid!;
        expect((await readFile(join(dataDir, "medallion.pid"), "utf8")).trim()).toBe(String(pid));
        expect((await environmentOf(pid)).get("MALLOC_ARENA_MAX")).toBe(runsWith);
      } finally {
        // Ctrl-C reaches the process started and stops it cleanly.
        expect(await dev.stop(), dev.stderr()).toBe(0);
      }
    },
  );
});
