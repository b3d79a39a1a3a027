import type { Context } from "aws-lambda";
import type * as z from "zod/mini";
import type { LambdaHandler } from "./chain";
import { middyHandler } from "./chain";
import { tracer } from "./tracer";

export type { LambdaHandler } from "./chain";
export { InvalidEventError, MAX_ERROR_MESSAGE_LENGTH } from "./chain";

/**
 * Wraps a handler in the project's middy chain with the tracer: logger context → tracer →
 * metrics → parser (zod). The handler receives the parsed event; a bad event fails with
 * InvalidEventError naming the offending fields. See {@link middyHandler}.
 * @param schema zod schema of the event
 * @param handler the function that calls `core` and returns its result
 */
export function lambdaHandler<S extends z.core.$ZodType, R>(
  schema: S,
  handler: (event: z.output<S>, context: Context) => Promise<R>,
): LambdaHandler<R> {
  return middyHandler(schema, handler, { tracer });
}
