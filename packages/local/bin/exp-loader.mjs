import { readFileSync } from "node:fs";
import { registerHooks } from "node:module";
import { fileURLToPath } from "node:url";

const esbuild = await import("esbuild");
registerHooks({
  resolve(specifier, context, next) {
    try {
      return next(specifier, context);
    } catch (error) {
      if (error?.code !== "ERR_MODULE_NOT_FOUND" || !specifier.startsWith(".")) throw error;
      for (const suffix of [".ts", "/index.ts"]) {
        try {
          return next(specifier + suffix, context);
        } catch {}
      }
      throw error;
    }
  },
  load(url, context, next) {
    if (url.startsWith("file:") && /\.[cm]?ts$/.test(url)) {
      const text = readFileSync(fileURLToPath(url), "utf8");
      const source = esbuild.transformSync(text, {
        loader: "ts",
        format: "esm",
        target: "node22",
        sourcefile: fileURLToPath(url),
      }).code;
      return { format: "module", source, shortCircuit: true };
    }
    return next(url, context);
  },
});
await import(process.argv[2]);
