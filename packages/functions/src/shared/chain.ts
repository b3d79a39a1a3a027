import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { parser } from "@aws-lambda-powertools/parser/middleware";
import type { Tracer } from "@aws-lambda-powertools/tracer";
import { captureLambdaHandler } from "@aws-lambda-powertools/tracer/middleware";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import * as z from "zod/mini";
import en from "zod/v4/locales/en.js";
import { logger, metrics } from "./observability";

// Events may be checked with zod's mini build, which loads no locale: without English
// messages, an invalid event would say only "Invalid input" where it says what is wrong.
z.config(en());

/**
 * Wraps a handler in the project's middy chain, in a fixed order: logger context →
 * tracer (when given) → metrics → parser (zod). The handler receives the parsed event; a bad
 * event fails with {@link InvalidEventError} naming the offending fields. Handlers use
 * `lambdaHandler` (`./handler`), which passes the tracer; the ingest handler alone goes
 * without, as the X-Ray SDK would be a third of its bundle (test/bench/bundles/NOTES.md).
 * @param schema zod schema of the event (classic or mini)
 * @param handler the function that calls `core` and returns its result
 * @param options.tracer traces the invocation and its AWS SDK calls (Powertools Tracer)
 */
export function middyHandler<S extends z.core.$ZodType, R>(
  schema: S,
  handler: (event: z.output<S>, context: Context) => Promise<R>,
  { tracer }: { tracer?: Tracer } = {},
): LambdaHandler<R> {
  let wrapped = middy(handler).use(injectLambdaContext(logger, { resetKeys: true }));
  if (tracer) wrapped = wrapped.use(captureLambdaHandler(tracer));
  wrapped = wrapped
    .use(logMetrics(metrics, { captureColdStartMetric: true }))
    .use(parser({ schema }))
    .use(explainInvalidEvent())
    .use(clipErrorMessage());
  // The raw event is whatever the caller sends; the parser middleware validates it before `handler` runs.
  return (event, context) => wrapped(event as z.output<S>, context);
}

/** Characters of an error message a handler lets out: Step Functions puts it in the state (256 KB) as the Cause. */
export const MAX_ERROR_MESSAGE_LENGTH = 8_000;

// An error's message becomes the Cause Step Functions records and a Catch puts in the state:
// one repeating a query or a plan must not overflow it. The start says what went wrong.
function clipErrorMessage(): middy.MiddlewareObj {
  return {
    onError: (request) => {
      const error = request.error;
      if (!error || error.message.length <= MAX_ERROR_MESSAGE_LENGTH) return;
      error.message = `${error.message.slice(0, MAX_ERROR_MESSAGE_LENGTH)}… (${error.message.length - MAX_ERROR_MESSAGE_LENGTH} more characters)`;
    },
  };
}

/** An event that does not match the handler's schema; the message lists each offending field. */
export class InvalidEventError extends Error {
  override name = "InvalidEventError";
}

interface Issue {
  message: string;
  path?: (PropertyKey | { key: PropertyKey })[];
}

// Powertools' ParseError says only "Failed to parse schema"; the zod issues are in its
// cause. Surface them, so a bad event says which field is wrong and why.
function explainInvalidEvent(): middy.MiddlewareObj {
  return {
    onError: (request) => {
      const error = request.error;
      if (error?.name !== "ParseError") return;
      // Standard Schema issues: the ParseError's cause (or a ZodError's `issues`).
      const cause = error.cause as Issue[] | { issues?: Issue[] } | undefined;
      const issues = Array.isArray(cause) ? cause : (cause?.issues ?? []);
      const details = issues
        .map(
          (issue) =>
            `${(issue.path ?? []).map((segment) => String(typeof segment === "object" ? segment.key : segment)).join(".") || "(event)"}: ${issue.message}`,
        )
        .join("; ");
      request.error = new InvalidEventError(`Invalid event: ${details || error.message}`, { cause: error });
    },
  };
}

/** A Lambda handler as its callers see it: the raw event is validated inside, not trusted by type. */
export type LambdaHandler<R> = (event: unknown, context: Context) => Promise<R>;
