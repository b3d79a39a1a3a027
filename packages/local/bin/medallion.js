#!/usr/bin/env node
// The `medallion` CLI. Runs the TypeScript sources through tsx: no build step.
const major = Number(process.versions.node.split(".")[0]);
if (major < 22) {
  console.error(
    `medallion needs Node.js 22 or newer (this is ${process.version}). Run it through npm (\`npx medallion …\` or \`npm start\`), which uses the project's node@22.`,
  );
  process.exit(1);
}
const { register } = await import("tsx/esm/api");
register();
await import("../src/cli.ts");
