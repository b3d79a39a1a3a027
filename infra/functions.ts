import { lambda } from "./lambda";
import { stores } from "./stores";

// The journey and congregado functions, each linked to exactly the tables it touches.
/** Journey control: start / record step / complete / fail. */
export const journeyFunctions = {
  start: lambda("JourneyStart", { handler: "journey.start", link: [stores.JourneyControl] }),
  recordStep: lambda("JourneyRecordStep", { handler: "journey.recordStep", link: [stores.JourneyControl] }),
  complete: lambda("JourneyComplete", { handler: "journey.complete", link: [stores.JourneyControl] }),
  fail: lambda("JourneyFail", { handler: "journey.fail", link: [stores.JourneyControl] }),
};

/** Congregado writers (one aggregate, or a batch). */
export const congregadoFunctions = {
  save: lambda("CongregadoSave", { handler: "congregado.handler", link: [stores.Congregado, stores.JourneyControl] }),
  batch: lambda("CongregadoBatch", { handler: "congregado.batch", link: [stores.Congregado], timeout: "5 minutes" }),
};
