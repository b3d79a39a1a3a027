// Concerns in dependency order; each file exports its components.
import { catalog } from "./catalog";
import { journeyFunctions } from "./functions";
import { gold } from "./gold";
import { ingest } from "./ingest";
import { lake } from "./lake";
import { pipeline } from "./pipelines";
import { sources } from "./sources";
import { stores } from "./stores";

export { catalog, gold, ingest, journeyFunctions, lake, pipeline, sources, stores };

export const outputs = {
  landingBucket: lake.Landing.name,
  bronzeBucket: lake.Bronze.name,
  quarantineBucket: lake.Quarantine.name,
  ingestFunction: ingest.name,
  stateMachine: pipeline.stateMachine.arn,
  athenaWorkGroup: catalog.workGroup.name,
};
