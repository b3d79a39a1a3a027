import { join } from "node:path";
import type { Metafile, Plugin } from "esbuild";
import { build } from "esbuild";

const root = join(import.meta.dirname, "..", "..", "..");

/**
 * Bundles an entry the way SST bundles a Lambda handler: one ESM file for Node 22, with a
 * `require` for the CommonJS dependencies inside it. `deployed` adds what infra deploys with:
 * minified, the AWS SDK external (Lambda's runtime ships it), infra's esbuild plugins
 * (`infra/bundle-plugins.mjs`), so sizes and contents are the deployed ones.
 * @param entry the entry file
 * @param outfile where the bundle is written (or, with `write: false`, named)
 * @param options `deployed` as above; `write: false` keeps the bundle in memory
 * @returns esbuild's metafile: the inputs and what each weighs in the output
 */
export async function bundleLikeLambda(
  entry: string,
  outfile: string,
  { deployed = false, write = true }: { deployed?: boolean; write?: boolean } = {},
): Promise<Metafile> {
  const plugins = deployed
    ? ((await import(join(root, "infra", "bundle-plugins.mjs"))) as { default: Plugin[] }).default
    : [];
  const { metafile } = await build({
    entryPoints: [entry],
    outfile,
    write,
    bundle: true,
    metafile: true,
    platform: "node",
    format: "esm",
    target: "node22",
    ...(deployed ? { minify: true, external: ["@aws-sdk/*"], plugins } : {}),
    banner: {
      js: "import { createRequire as topLevelCreateRequire } from 'node:module'; const require = topLevelCreateRequire(import.meta.url);",
    },
    logLevel: "error",
  });
  return metafile;
}
