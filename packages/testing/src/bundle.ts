import { build } from "esbuild";

/**
 * Bundles an entry the way SST bundles a Lambda handler: one ESM file for Node 22, with a
 * `require` for the CommonJS dependencies inside it.
 * @param entry the entry file
 * @param outfile where the bundle is written
 */
export async function bundleLikeLambda(entry: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    banner: {
      js: "import { createRequire as topLevelCreateRequire } from 'node:module'; const require = topLevelCreateRequire(import.meta.url);",
    },
    logLevel: "error",
  });
}
