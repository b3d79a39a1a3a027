import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { parser } from "@aws-lambda-powertools/parser/middleware";
import { captureLambdaHandler } from "@aws-lambda-powertools/tracer/middleware";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import type { z } from "zod";
import { logger, metrics, tracer } from "./observability";

/**
 * Wraps a handler in the project's middy chain, in a fixed order: logger context →
 * tracer → metrics → parser (zod). The handler receives the parsed event; a bad event
 * fails with Powertools' ParseError naming the offending fields.
 * @param schema zod schema of the event
 * @param handler the function that calls `core` and returns its result
 */
export function lambdaHandler<S extends z.ZodType, R>(schema: S, handler: (event: z.output<S>, context: Context) => Promise<R>) {
  return middy(handler)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(captureLambdaHandler(tracer))
    .use(logMetrics(metrics, { captureColdStartMetric: true }))
    .use(parser({ schema }));
}
