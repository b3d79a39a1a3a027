// Installs SST's platform types into .sst/platform (offline: needs only the npm registry),
// so `sst.config.ts` and `infra/` type-check against the real component types.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

if (!existsSync(".sst/platform/config.d.ts")) {
  console.log("Installing SST platform types (.sst/platform) for the infra type-check…");
  execFileSync("sst", ["install", "--stage", "typecheck"], {
    stdio: "inherit",
    env: { ...process.env, SST_SKIP_DEPENDENCY_CHECK: "1", SST_NO_BUN: "1", SST_TELEMETRY_DISABLED: "1" },
  });
}
