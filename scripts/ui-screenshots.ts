// Writes the README's screenshots of the page (docs/ui-<view>.png): a sample run in a temp
// data directory, `medallion ui` on it, and each view in Debian's headless Chromium.
// Run with `npm run screenshots`; the browser test (test/e2e/ui.test.ts) checks the same views.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { launchChromium, watchedPage } from "@medallion/testing/browser";
import { medallion, startMedallion } from "@medallion/testing/cli";

const docs = fileURLToPath(new URL("../docs/", import.meta.url));
const views = ["runs", "flow", "tables", "lineage"] as const;

const root = await mkdtemp(join(tmpdir(), "medallion-screenshots-"));
const dataDir = join(root, ".medallion");
const run = await medallion(["run", "--sample", "--data-dir", dataDir]);
if (run.code !== 0) throw new Error(`medallion run --sample failed:\n${run.stderr}`);
const ui = startMedallion(["ui", "--port", "0", "--data-dir", dataDir]);
const chromium = await launchChromium();
try {
  const url = (await ui.waitFor(/http:\/\/127\.0\.0\.1:\d+\//))[0];
  for (const view of views) {
    const { page, errors } = await watchedPage(chromium.browser, { width: 1100, height: 760 });
    await page.goto(new URL(`/${view}?dataset=car_telemetry`, url).href, { waitUntil: "load" });
    if (errors.length) throw new Error(`${view}: ${errors.join("; ")}`);
    const path = join(docs, `ui-${view}.png`);
    await page.screenshot({ path });
    await page.close();
    console.log(`wrote ${path}`);
  }
} finally {
  await chromium.close();
  await ui.stop();
  await rm(root, { recursive: true, force: true });
}
