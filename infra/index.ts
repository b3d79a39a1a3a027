// Concerns in dependency order; each file exports its components.
import { congregadoFunctions, journeyFunctions } from "./functions";
import { ingest } from "./ingest";
import { lake } from "./lake";
import { stores } from "./stores";

export { congregadoFunctions, ingest, journeyFunctions, lake, stores };

export const outputs = {
  landingBucket: lake.Landing.name,
  bronzeBucket: lake.Bronze.name,
  quarantineBucket: lake.Quarantine.name,
  ingestFunction: ingest.name,
};
