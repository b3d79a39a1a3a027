import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "puppeteer-core";
import puppeteer from "puppeteer-core";

/** Debian's Chromium (`apt-get install chromium`; `npm test` installs it when missing, as root). */
export const CHROMIUM = "/usr/bin/chromium";

/** A headless Chromium with a fresh profile, closed (and its profile removed) by `close`. */
export interface HeadlessBrowser {
  browser: Browser;
  close(): Promise<void>;
}

/**
 * Launches Debian's Chromium headless. Without the background-networking flags Chromium reaches
 * out to Google's services, which a closed network refuses: those connections are turned off.
 */
export async function launchChromium(): Promise<HeadlessBrowser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (sudo apt-get install chromium)`);
  const profile = await mkdtemp(join(tmpdir(), "medallion-chromium-"));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      `--user-data-dir=${profile}`,
    ],
  });
  return {
    browser,
    async close() {
      await browser.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** A page whose console errors and uncaught exceptions are collected. */
export interface WatchedPage {
  page: Page;
  /** Console errors, failed requests and uncaught exceptions so far. */
  errors: string[];
}

/**
 * Opens a tab that records every console error, uncaught exception and failed request.
 * @param browser the browser
 * @param viewport the tab's size (default 1200 × 900)
 */
export async function watchedPage(
  browser: Browser,
  viewport: { width: number; height: number } = { width: 1200, height: 900 },
): Promise<WatchedPage> {
  const page = await browser.newPage();
  await page.setViewport(viewport);
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => errors.push(`page: ${error instanceof Error ? error.message : String(error)}`));
  page.on("requestfailed", (request) => {
    // The live page's event stream is cut when the page reloads or closes: not a failure.
    if (!request.url().endsWith("/events")) errors.push(`request: ${request.url()} ${request.failure()?.errorText}`);
  });
  page.on("response", (response) => {
    if (response.status() >= 400) errors.push(`response: ${response.url()} ${response.status()}`);
  });
  return { page, errors };
}

/**
 * The text of a page's `<main>` as a person reads it: rendered, with table cells apart.
 * @param page the tab
 */
export function mainText(page: Page): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is the point (textContent runs table cells together).
  return page.$eval("main", (main) => (main as unknown as { innerText: string }).innerText);
}
