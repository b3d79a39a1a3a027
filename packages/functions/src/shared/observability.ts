import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { Tracer } from "@aws-lambda-powertools/tracer";

// One Logger, Metrics and Tracer per Lambda process, shared by every handler module.
// POWERTOOLS_* variables (log level, namespace) still override these defaults.
const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? "medallion";

/** Structured JSON logs (CloudWatch on AWS, stderr locally). */
export const logger = new Logger({ serviceName });

/** CloudWatch Embedded Metric Format, namespace `Medallion`. */
// Its warnings (e.g. an invocation that published no metric) go through the Logger, at its level.
export const metrics = new Metrics({
  serviceName,
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? "Medallion",
  logger,
});

/** X-Ray tracing; disabled outside Lambda (no daemon), so it costs nothing locally. */
export const tracer = new Tracer({ serviceName, enabled: process.env.AWS_LAMBDA_FUNCTION_NAME !== undefined });
