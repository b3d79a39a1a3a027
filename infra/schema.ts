import { appliedSchemaOf, schemaHash } from "@medallion/core/schema";
import { deployedDatasets } from "./datasets";
import { lambdas } from "./functions";

// The deploy-time half of the schema check: each dataset whose spec changed is compared with its
// applied schema by the VerifySchema function (deployed with the new spec) as the deploy runs.
// A change a run would refuse (a rebuild is needed, or it is incompatible) fails the invocation,
// and so the deploy, with the message a run would give: field, old, new and the command.
// Invoked again only when the dataset's schema changes (its hash is the trigger).

/** One deploy-time schema check per dataset, by dataset name. */
export const schemaChecks = Object.fromEntries(
  deployedDatasets.map((spec) => [
    spec.name,
    new aws.lambda.Invocation(`VerifySchema_${spec.name}`, {
      functionName: lambdas.VerifySchema.name,
      input: JSON.stringify({ dataset: spec.name }),
      triggers: { schema: schemaHash(appliedSchemaOf(spec)) },
    }),
  ]),
);
