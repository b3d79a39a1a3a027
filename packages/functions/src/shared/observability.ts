import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { MetricName } from "@medallion/core/metrics";
import { METRICS_NAMESPACE, METRICS_SERVICE, metricDeclarations } from "@medallion/core/metrics";

// One Logger and Metrics per Lambda process (the Tracer: ./tracer.ts), shared by every handler module.
// POWERTOOLS_* variables (log level, namespace) still override these defaults.
/** The service name Logger, Metrics and Tracer report. */
export const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? METRICS_SERVICE;

/** Structured JSON logs (CloudWatch on AWS, stderr locally). */
export const logger = new Logger({ serviceName });

/** CloudWatch Embedded Metric Format, namespace `Medallion`. */
// Its warnings (e.g. an invocation that published no metric) go through the Logger, at its level.
export const metrics = new Metrics({
  serviceName,
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
  logger,
});

/**
 * Publishes one value of a declared metric (`@medallion/core/metrics`), with a `dataset`
 * dimension when the metric is declared per dataset: the dimensions the dashboard and alarms read.
 * @param name the metric
 * @param value its value
 * @param dataset the dataset it is about (required by per-dataset metrics; ignored by the others)
 */
export function publishMetric(name: MetricName, value: number, dataset?: string): void {
  const declared = metricDeclarations[name];
  const unit = MetricUnit[declared.unit];
  if (!declared.perDataset || dataset === undefined) {
    metrics.addMetric(name, unit, value);
    return;
  }
  // A single metric publishes at once with its own dimensions: one invocation may cover several datasets.
  const single = metrics.singleMetric();
  single.addDimension("dataset", dataset);
  single.addMetric(name, unit, value);
}
