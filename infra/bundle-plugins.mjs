// The esbuild plugins every function is bundled with: `sst.aws.Function`'s `nodejs.plugins`
// (infra/functions.ts) loads this file, and the bundle benchmark (test/bench/bundles) bundles
// with the same list, so the sizes it prints are the deployed ones.

/**
 * zod's classic API (`import { z } from "zod"`, Powertools' parser included) re-exports every
 * locale as `z.locales`, which a bundler must keep whole: ~260 KB minified, a third of a
 * handler. No function sets a locale; English, zod's default, is imported by its schemas on
 * their own and stays. `z.locales` is empty in a bundle.
 * @type {import("esbuild").Plugin}
 */
export const zodWithoutLocales = {
  name: "zod-without-locales",
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.c?js$/ }, (args) =>
      /[\\/]zod[\\/]/.test(args.importer) ? { path: args.path, namespace: "zod-without-locales" } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: "zod-without-locales" }, () => ({ contents: "export {};", loader: "js" }));
  },
};

/**
 * Modules that only the TypeScript sources run: the bronze encoder's worker bundles its own
 * sources when started from a `.ts` file (tests, tools), while a bundle's workers run the bundle
 * itself. A deployed bundle gets a stub in their place (~1.5 KB of the ingest handler's 250).
 * @type {import("esbuild").Plugin}
 */
export const sourcesOnly = {
  name: "sources-only",
  setup(build) {
    build.onResolve({ filter: /[\\/]worker-sources(\.ts)?$/ }, (args) =>
      /[\\/]core[\\/]src[\\/]bronze[\\/]/.test(args.importer)
        ? { path: args.path, namespace: "sources-only" }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: "sources-only" }, () => ({
      contents:
        'export function bundledSources(module) { throw new Error("a bundle starts its workers from itself, not from " + module); }',
      loader: "js",
    }));
  },
};

export default [zodWithoutLocales, sourcesOnly];
