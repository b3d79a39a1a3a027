import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

// Sources only: a bundle's workers run the bundle itself, so deployed bundles leave this module
// out (infra/bundle-plugins.mjs, sourcesOnly).

// From the TypeScript sources, a worker runs this module bundled by esbuild and kept in the
// temporary folder until one of its sources changes (a manifest lists them with their mtimes and
// sizes): loaded through tsx instead, each worker spent ~0.5 s of CPU (1–2 s under load)
// compiling its modules, and a CLI run starts several.
let bundle: string | undefined;
/**
 * The worker module bundled from its TypeScript sources, cached on disk (see above).
 * @param module the `import.meta.url` of the worker's module (a `.ts` file)
 * @returns the bundle's path
 */
export function bundledSources(module: string): string {
  if (bundle) return bundle;
  const folder = join(tmpdir(), `medallion-workers-${process.getuid?.() ?? "user"}`);
  const manifestPath = join(folder, `${createHash("sha1").update(module).digest("hex")}.json`);
  const stamp = (path: string) => {
    const { mtimeMs, size } = statSync(path);
    return `${mtimeMs}:${size}`;
  };
  try {
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as {
      bundle: string;
      inputs: Record<string, string>;
    };
    const fresh = Object.entries(manifest.inputs).every(([path, known]) => stamp(path) === known);
    if (fresh && existsSync(manifest.bundle)) {
      bundle = manifest.bundle;
      return bundle;
    }
  } catch {
    // No bundle yet, or a source changed or went away: bundle again below.
  }
  const esbuild = createRequire(module)("esbuild") as EsbuildSync;
  const built = esbuild.buildSync({
    entryPoints: [fileURLToPath(module)],
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node22",
    write: false,
    metafile: true,
    // CommonJS dependencies bundled into ESM still call require.
    banner: {
      js: 'import { createRequire as medallionRequire } from "node:module"; const require = medallionRequire(import.meta.url);',
    },
  });
  const code = built.outputFiles[0]!.text;
  const path = join(folder, `${createHash("sha1").update(code).digest("hex")}.mjs`);
  const inputs = Object.fromEntries(
    Object.keys(built.metafile.inputs).map((input) => [resolve(input), stamp(resolve(input))]),
  );
  try {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    writeAtomically(path, code);
    writeAtomically(manifestPath, JSON.stringify({ bundle: path, inputs }));
  } catch (error) {
    throw new Error(`bronze encoder: cannot write the worker's bundle under ${folder}`, { cause: error });
  }
  bundle = path;
  return path;
}

function writeAtomically(path: string, text: string): void {
  writeFileSync(`${path}.${process.pid}`, text);
  renameSync(`${path}.${process.pid}`, path);
}

// The part of esbuild's API used above (esbuild is a development dependency: sources only).
interface EsbuildSync {
  buildSync(options: Record<string, unknown>): {
    outputFiles: { text: string }[];
    metafile: { inputs: Record<string, unknown> };
  };
}
