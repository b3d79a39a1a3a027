import type { InvokeCommandOutput } from "@aws-sdk/client-lambda";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import type { RedriveSummary } from "@medallion/core/redrive";
import { stageResourceName } from "@medallion/stacks/functions";
import type { ErrorJson } from "./errors";
import type { Output } from "./output";
import { redrivenFiles, redriveTotals } from "./redrive-summary";

/** What `medallion redrive --stage <stage> --json` prints: the deployed function's summary, or its error. */
export interface StageRedriveJson extends Partial<RedriveSummary> {
  /** The function invoked (`<app>-<stage>-redrive`). */
  function: string;
  /** No run here: on AWS the recovered records are pending, and the next scheduled run consolidates them. */
  pipeline: null;
  error: ErrorJson | null;
}

/** Options of {@link redriveOnStage}. */
export interface StageRedriveOptions {
  dataset: string;
  from?: string | undefined;
  to?: string | undefined;
  /** The SST stage whose `Redrive` function is invoked. */
  stage: string;
  out: Output;
  json: boolean;
  /** Lambda client; default one from the default chain (credentials and region from the environment or profile). */
  lambda?: LambdaClient;
}

// A function's error as Lambda returns it in the payload (`FunctionError` set).
interface FunctionErrorPayload {
  errorType?: string;
  errorMessage?: string;
}

const oneLine = (text: string): string => text.replace(/\s+/g, " ").trim();

/**
 * `medallion redrive --stage <stage>`: invokes the deployed `Redrive` function of a stage
 * (Lambda Invoke, RequestResponse; it is deployed as `<app>-<stage>-redrive`) with `{ dataset,
 * from?, to? }` and prints its summary as a local redrive does. The recovered records are
 * consolidated by the stage's next scheduled run. A function error (or a failed invoke: no
 * such function, no credentials) is one line on stderr, and exit code 1.
 * @param options the dataset and days, the stage, where to print, and a Lambda client
 * @returns the exit code
 * @example await redriveOnStage({ dataset: "car_telemetry", stage: "prod", out, json: false });
 */
export async function redriveOnStage({
  dataset,
  from,
  to,
  stage,
  out,
  json,
  lambda = new LambdaClient({}),
}: StageRedriveOptions): Promise<number> {
  const name = stageResourceName(stage, "Redrive");
  const event = { dataset, ...(from ? { from } : {}), ...(to ? { to } : {}) };
  out.note(
    `Redriving ${dataset} on stage ${stage} (${name})${from || to ? `, ingested ${from ?? "from the start"} to ${to ?? "now"}` : ""}…`,
  );
  const fail = (error: ErrorJson): number => {
    if (json) out.json({ function: name, pipeline: null, error } satisfies StageRedriveJson);
    out.note(`medallion redrive: ${name} failed: ${error.name}: ${error.message}`);
    return 1;
  };
  let response: InvokeCommandOutput;
  try {
    response = await lambda.send(
      new InvokeCommand({
        FunctionName: name,
        InvocationType: "RequestResponse",
        Payload: new TextEncoder().encode(JSON.stringify(event)),
      }),
    );
  } catch (error) {
    const { name: errorName, message } = error as Error;
    const hint =
      errorName === "ResourceNotFoundException"
        ? ` (is stage ${stage} deployed? sst deploy --stage ${stage}; the region comes from AWS_REGION or the profile)`
        : "";
    return fail({ name: errorName, message: oneLine(`${message}${hint}`) });
  }
  const text = response.Payload ? new TextDecoder().decode(response.Payload) : "null";
  if (response.FunctionError) {
    const payload = JSON.parse(text) as FunctionErrorPayload;
    return fail({
      name: payload.errorType ?? response.FunctionError,
      message: oneLine(payload.errorMessage ?? text),
    });
  }
  const summary = JSON.parse(text) as RedriveSummary;
  if (json) {
    out.json({ ...summary, function: name, pipeline: null, error: null } satisfies StageRedriveJson);
    return 0;
  }
  for (const line of redrivenFiles(summary)) out.note(line);
  out.print(redriveTotals(summary, `not run here: stage ${stage}'s next scheduled run consolidates`).join("\n"));
  return 0;
}
