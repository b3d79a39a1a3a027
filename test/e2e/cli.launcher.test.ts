import { mkdtemp, readFile, rm, stat, utimes } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { medallion, startMedallion } from "@medallion/testing/cli";
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

// The launcher runs the CLI as an esbuild bundle kept in node_modules/.cache/medallion, named by a
// manifest that stamps each input (mtime and size); a changed input is bundled again.
describe("the medallion launcher's bundle", () => {
  const require = createRequire(import.meta.url);
  const bundles = join(dirname(dirname(require.resolve("esbuild/package.json"))), ".cache", "medallion");

  it("bundles the CLI again when one of its sources changes", async () => {
    // Prepare: a source of the bundle, changed (its mtime; its content stays, so other tests see the same CLI).
    const source = require.resolve("@medallion/local/usage");
    const now = new Date();
    await utimes(source, now, now);
    const { mtimeMs, size } = await stat(source);

    // Act
    const result = await medallion(["--version"]);

    // Assess: the bundle that ran was made from the changed file.
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^medallion \d+\.\d+\.\d+/);
    const manifest = JSON.parse(await readFile(join(bundles, "esm-node22-2.json"), "utf8")) as {
      entry: string;
      inputs: Record<string, string>;
    };
    expect(manifest.inputs[source]).toBe(`${mtimeMs}:${size}`);
    await expect(stat(join(bundles, manifest.entry))).resolves.toBeTruthy();
  });

  it("names the TypeScript sources in a stack under MEDALLION_DEBUG", async () => {
    // Act: a usage error, whose stack MEDALLION_DEBUG prints.
    const result = await medallion(["run", "--landing", join(tmpdir(), "medallion-no-such-folder")], {
      env: { MEDALLION_DEBUG: "1" },
    });

    // Assess: the bundle's source maps lead back to the file that threw.
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/packages\/local\/src\/commands\/run\.ts:\d+:\d+/);
  });
});
