import { stores } from "./stores";

// The state machine's task functions: one sst.aws.Function per handler export, each
// linked to exactly the tables and buckets it touches.
function taskFunction(name: string, handler: string, link: unknown[], timeout: `${number} minutes` | `${number} seconds` = "60 seconds") {
  return new sst.aws.Function(name, {
    handler: `packages/functions/src/${handler}`,
    runtime: "nodejs22.x",
    architecture: "arm64",
    memory: "512 MB",
    timeout,
    link,
    environment: { POWERTOOLS_SERVICE_NAME: `medallion-${name.replace(/([a-z])([A-Z])/g, "$1-$2").toLowerCase()}` },
  });
}

/** Journey control: start / record step / complete / fail. */
export const journeyFunctions = {
  start: taskFunction("JourneyStart", "journey.start", [stores.JourneyControl]),
  recordStep: taskFunction("JourneyRecordStep", "journey.recordStep", [stores.JourneyControl]),
  complete: taskFunction("JourneyComplete", "journey.complete", [stores.JourneyControl]),
  fail: taskFunction("JourneyFail", "journey.fail", [stores.JourneyControl]),
};

/** Congregado writers (one aggregate, or a batch). */
export const congregadoFunctions = {
  save: taskFunction("CongregadoSave", "congregado.handler", [stores.Congregado, stores.JourneyControl]),
  batch: taskFunction("CongregadoBatch", "congregado.batch", [stores.Congregado], "5 minutes"),
};

