#!/usr/bin/env node
// The `medallion` CLI. Runs the TypeScript sources as they are: no build step.
const major = Number(process.versions.node.split(".")[0]);
if (major < 22) {
  console.error(
    `medallion needs Node.js 22 or newer (this is ${process.version}). Run it through npm (\`npx medallion …\` or \`npm start\`), which uses the project's node@22.`,
  );
  process.exit(1);
}

// glibc's malloc gives threads that allocate at once arenas of their own (up to 8 per core) and
// keeps what is freed in each for reuse rather than returning it to the system: the bronze
// encoder's worker threads and DuckDB's threads left tens of MB resident for the rest of a run
// (issue 12: three 1.5 GB files through `run --landing` peaked at 526 MB, 486 MB with two
// arenas). malloc reads MALLOC_ARENA_MAX once, as the process starts, so the CLI starts itself
// again with it set, before it loads anything: process.execve replaces the process image, so the
// pid, stdin/stdout/stderr, signals and the exit code stay the caller's, with no second process
// to relay them. A value the user set wins. Elsewhere the CLI runs as it is: not Linux, a libc
// other than glibc (whose libc.so.6 is not among the files this process has mapped), or a Node
// older than 22.15, which has no execve.
const { readFileSync } = await import("node:fs");
if (
  process.platform === "linux" &&
  process.env.MALLOC_ARENA_MAX === undefined &&
  typeof process.execve === "function" &&
  /\/libc\.so\.6$/m.test(readFileSync("/proc/self/maps", "utf8"))
) {
  process.execve(process.execPath, [process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    ...process.env,
    MALLOC_ARENA_MAX: "2",
  });
}

// The CLI runs as one esbuild bundle of its sources and their dependencies, built on first use
// and kept until one of its inputs changes: loaded module by module, its start spent ~1.5 s in
// Node's module loader (resolving, statting and compiling ~2,000 files of the AWS SDK, zod,
// Powertools…) before it touched a file. What cannot be bundled stays a module of its own: native
// code (DuckDB, and LevelDB under dynalite), and the packages the embedded stack patches through
// `require` (s3rver, dynalite), which must be the very modules their servers use (dynalite's
// `require('./actions/' + name)` is beyond a bundler anyway). A TypeScript file outside the
// bundle (a `--spec` file) is compiled by esbuild as it is imported, in this thread (Node's
// synchronous module hooks), and kept compiled until it changes.
const { mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } = await import("node:fs");
const { createHash } = await import("node:crypto");
const { createRequire, enableCompileCache, registerHooks } = await import("node:module");
const { tmpdir, userInfo } = await import("node:os");
const { dirname, join, relative, resolve } = await import("node:path");
const { fileURLToPath, pathToFileURL } = await import("node:url");

enableCompileCache?.();
const debug = Boolean(process.env.MEDALLION_DEBUG);
if (debug) process.setSourceMapsEnabled(true);
const require = createRequire(import.meta.url);
const cache = join(tmpdir(), `medallion-ts-${userInfo().uid}`);
// Names the transforms below: change it when their options change, and the caches start afresh.
const FORMAT = "esm-node22-2";
let esbuild;

function compile(path) {
  const { mtimeMs, size } = statSync(path);
  const key = createHash("sha1").update(`${FORMAT}\0${path}\0${mtimeMs}\0${size}\0${debug}`).digest("hex");
  const cached = join(cache, `${key}.js`);
  try {
    return readFileSync(cached, "utf8");
  } catch {
    // Not compiled yet, or changed since: compile it below.
  }
  esbuild ??= require("esbuild");
  const { code } = esbuild.transformSync(readFileSync(path, "utf8"), {
    loader: "ts",
    format: "esm",
    target: "node22",
    sourcefile: path,
    sourcemap: debug ? "inline" : false,
  });
  try {
    mkdirSync(cache, { recursive: true, mode: 0o700 });
    writeFileSync(`${cached}.${process.pid}`, code);
    renameSync(`${cached}.${process.pid}`, cached);
  } catch {
    // A cache that cannot be written only costs the next start a compile.
  }
  return code;
}

// Compiles TypeScript as Node imports it. Registered only when some is imported: module hooks put
// every `require` and `import` of the process through them, which cost the start ~30–60 ms of CPU
// over the packages left outside the bundle.
function compileTypeScriptOnImport() {
  registerHooks({
    // The sources import each other without extensions (`./commands/run`), as bundlers resolve.
    resolve(specifier, context, next) {
      try {
        return next(specifier, context);
      } catch (error) {
        if (error?.code !== "ERR_MODULE_NOT_FOUND" || !/^\.{1,2}\//.test(specifier)) throw error;
        for (const suffix of [".ts", "/index.ts"]) {
          try {
            return next(`${specifier}${suffix}`, context);
          } catch {
            // Not this one: try the next, then report the original error.
          }
        }
        throw error;
      }
    },
    load(url, context, next) {
      if (!url.startsWith("file:") || !url.endsWith(".ts")) return next(url, context);
      return { format: "module", source: compile(fileURLToPath(url)), shortCircuit: true };
    },
  });
}

const cli = fileURLToPath(new URL("../src/cli.ts", import.meta.url));
// The bronze encoder's worker runs its own module (packages/core/src/bronze/worker.ts): an entry of
// the bundle too, so its code sits in a chunk of its own dependencies, not among the CLI's.
const encoderWorker = join(dirname(fileURLToPath(import.meta.resolve("@medallion/core/bronze"))), "worker.ts");
// Resolved from the bundle where Node resolves them, so the bundle lives in node_modules (its own
// `.cache` folder): the `require` of a patched package from the bundle finds the package itself.
const external = ["@duckdb/*", "classic-level", "dynalite", "dynalite/*", "esbuild", "s3rver", "s3rver/*"];
const bundles = join(dirname(dirname(require.resolve("esbuild/package.json"))), ".cache", "medallion");
const manifestPath = join(bundles, `${FORMAT}${debug ? "-debug" : ""}.json`);

// The bundle's CLI entry when every input is as it was bundled (same mtime and size), else undefined.
function freshBundle() {
  try {
    const { entry, files, inputs } = JSON.parse(readFileSync(manifestPath, "utf8"));
    for (const [path, stamp] of Object.entries(inputs)) if (stampOf(path) !== stamp) return undefined;
    for (const file of files) statSync(join(bundles, file));
    return join(bundles, entry);
  } catch {
    return undefined;
  }
}

function stampOf(path) {
  const { mtimeMs, size } = statSync(path);
  return `${mtimeMs}:${size}`;
}

// Bundles the CLI, then names its files in the manifest (a rename: a process starting meanwhile
// reads the old manifest or the new one). Every file is named by its content's hash and written
// only when new, so a rebuild after a change adds the chunks that changed and rewrites none that a
// running process may still import (what a command loads at first use). Files that no manifest
// names and that are a week old are removed.
async function bundle() {
  esbuild ??= require("esbuild");
  const root = dirname(bundles);
  let built;
  try {
    built = await esbuild.build({
      entryPoints: { cli, worker: encoderWorker },
      absWorkingDir: root,
      outdir: bundles,
      entryNames: "[name]-[hash]",
      bundle: true,
      splitting: true,
      format: "esm",
      platform: "node",
      target: "node22",
      outExtension: { ".js": ".mjs" },
      external,
      write: false,
      metafile: true,
      logLevel: "silent",
      sourcemap: debug ? "linked" : false,
      // CommonJS dependencies bundled into ES modules still call require.
      banner: {
        js: 'import { createRequire as medallionRequire } from "node:module"; const require = medallionRequire(import.meta.url);',
      },
    });
  } finally {
    // esbuild's service process would otherwise stay for as long as this one (medallion dev: days).
    await esbuild.stop();
  }
  for (const file of built.outputFiles) {
    if (statSync(file.path, { throwIfNoEntry: false })) continue;
    writeFileSync(`${file.path}.${process.pid}`, file.contents);
    renameSync(`${file.path}.${process.pid}`, file.path);
  }
  const [entry] = Object.entries(built.metafile.outputs).find(
    ([, output]) => output.entryPoint === relative(root, cli),
  );
  const manifest = {
    entry: relative(bundles, resolve(root, entry)),
    files: built.outputFiles.map((file) => relative(bundles, file.path)),
    inputs: Object.fromEntries(
      Object.keys(built.metafile.inputs).map((input) => [resolve(root, input), stampOf(resolve(root, input))]),
    ),
  };
  writeFileSync(`${manifestPath}.${process.pid}`, JSON.stringify(manifest));
  renameSync(`${manifestPath}.${process.pid}`, manifestPath);
  const named = new Set();
  const names = readdirSync(bundles);
  for (const name of names.filter((name) => name.endsWith(".json")))
    for (const file of JSON.parse(readFileSync(join(bundles, name), "utf8")).files ?? []) named.add(file);
  const weekAgo = Date.now() - 7 * 24 * 3600 * 1000;
  for (const name of names)
    if (/\.mjs(\.map)?$/.test(name) && !named.has(name) && statSync(join(bundles, name)).mtimeMs < weekAgo)
      rmSync(join(bundles, name), { force: true });
  return join(bundles, manifest.entry);
}

// One process bundles at a time (the test suite starts many at once); the others wait for its
// bundle. A lock left by a process that died bundling is taken over after a minute.
async function bundleOnce() {
  const lock = `${manifestPath}.lock`;
  for (let waited = 0; ; waited += 100) {
    try {
      mkdirSync(bundles, { recursive: true });
      writeFileSync(lock, String(process.pid), { flag: "wx" });
      break;
    } catch (error) {
      if (error?.code !== "EEXIST") throw error;
    }
    const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
    if (age > 60_000) rmSync(lock, { force: true });
    else await new Promise((resolve) => setTimeout(resolve, 100));
    const built = freshBundle();
    if (built) return built;
    if (waited > 120_000) throw new Error(`${lock} is held and no bundle came`);
  }
  try {
    return freshBundle() ?? (await bundle());
  } finally {
    rmSync(lock, { force: true });
  }
}

let entry = freshBundle();
if (!entry) {
  try {
    entry = await bundleOnce();
  } catch (error) {
    // No bundle (node_modules read-only, a source that does not build): the sources run as they are,
    // each compiled as it is imported, and a source error is reported where it is.
    if (debug) console.error(`medallion: running the sources unbundled: ${error.message}`);
  }
}
// From the bundle, the one TypeScript imported is a dataset spec file named by --spec.
if (!entry || process.argv.some((arg) => arg === "--spec" || arg.startsWith("--spec="))) compileTypeScriptOnImport();
await import(entry ? pathToFileURL(entry).href : "../src/cli.ts");
