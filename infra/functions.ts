import { lambda } from "./lambda";
import { stores } from "./stores";

// The journey functions, each linked to exactly the table it touches.
/** Journey control: start / record step / complete / fail. */
export const journeyFunctions = {
  start: lambda("JourneyStart", { handler: "journey.start", link: [stores.JourneyControl] }),
  recordStep: lambda("JourneyRecordStep", { handler: "journey.recordStep", link: [stores.JourneyControl] }),
  complete: lambda("JourneyComplete", { handler: "journey.complete", link: [stores.JourneyControl] }),
  fail: lambda("JourneyFail", { handler: "journey.fail", link: [stores.JourneyControl] }),
};
