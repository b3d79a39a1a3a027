// The page's browser tests (test/e2e/ui.test.ts) drive Debian's headless Chromium. `npm test`
// installs it when it is missing and it can (root, apt-get), so a fresh machine needs nothing
// but the test command; otherwise it says how, and the browser tests fail naming the path.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

const CHROMIUM = "/usr/bin/chromium";
const root = process.getuid?.() === 0;

if (!existsSync(CHROMIUM)) {
  if (root && existsSync("/usr/bin/apt-get")) {
    console.log(`Installing Debian's chromium (${CHROMIUM}) for the browser tests…`);
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
    execFileSync("apt-get", ["install", "-y", "-qq", "chromium"], { stdio: "inherit", env });
  } else {
    console.warn(`${CHROMIUM} is missing: the browser tests need it (sudo apt-get install chromium).`);
  }
}
