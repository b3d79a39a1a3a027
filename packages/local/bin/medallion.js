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

// TypeScript files are compiled by esbuild as they are imported, in this thread (Node's
// synchronous module hooks), and kept compiled in a cache until they change; everything else
// loads as Node loads it. (tsx inspects every module it loads, which costs a query's start a
// few hundred milliseconds over DuckDB's and the AWS SDK's hundreds of files.)
const { mkdirSync, renameSync, statSync, writeFileSync } = await import("node:fs");
const { createHash } = await import("node:crypto");
const { createRequire, enableCompileCache, registerHooks } = await import("node:module");
const { tmpdir, userInfo } = await import("node:os");
const { join } = await import("node:path");
const { fileURLToPath } = await import("node:url");

enableCompileCache?.();
const debug = Boolean(process.env.MEDALLION_DEBUG);
if (debug) process.setSourceMapsEnabled(true);
const cache = join(tmpdir(), `medallion-ts-${userInfo().uid}`);
// Names the transform below: change it when the options change, and the cache starts afresh.
const FORMAT = "esm-node22-1";
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
  esbuild ??= createRequire(import.meta.url)("esbuild");
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

await import("../src/cli.ts");
