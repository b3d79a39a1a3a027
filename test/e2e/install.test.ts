import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import semver from "semver";
import { describe, expect, it } from "vitest";

// npm runs on the machine's Node; every script runs on the Node 22 the project brings
// (`node@22`). npm's own engine check compares with the former, so `.npmrc` quiets it and
// these tests compare every engine range with the Node each side really is.

interface LockedPackage {
  version?: string;
  optional?: boolean;
  engines?: { node?: string };
}

const root = fileURLToPath(new URL("../../", import.meta.url));
const lock = JSON.parse(await readFile(`${root}package-lock.json`, "utf8")) as {
  packages: Record<string, LockedPackage>;
};
const manifest = JSON.parse(await readFile(`${root}package.json`, "utf8")) as { engines: { node: string } };

describe("npm ci on a fresh clone", () => {
  it("declares an engine range that fits the Node npm itself runs on (20 and newer)", () => {
    // Prepare: the oldest Node the current npm (11) runs on.
    const oldestNpmNode = "20.17.0";
    // Assess: the root package and its locked copy agree, and neither refuses that Node.
    expect(lock.packages[""]?.engines?.node).toBe(manifest.engines.node);
    expect(semver.satisfies(oldestNpmNode, manifest.engines.node)).toBe(true);
  });

  it("runs the tests on the Node the project brings", () => {
    expect(process.version).toBe(`v${lock.packages["node_modules/node"]?.version}`);
  });

  it("locks no package whose engine range refuses that Node", () => {
    // Prepare
    const bundled = lock.packages["node_modules/node"]!.version!;
    // Act
    const refusing = Object.entries(lock.packages)
      .filter(([path, pkg]) => path !== "" && !pkg.optional && pkg.engines?.node !== undefined)
      .filter(([, pkg]) => !semver.satisfies(bundled, pkg.engines!.node!, { includePrerelease: true }))
      .map(([path, pkg]) => `${path} (${pkg.engines!.node})`);
    // Assess
    expect(refusing).toEqual([]);
  });
});
