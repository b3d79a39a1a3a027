import type { QueueName } from "@medallion/core/resources";
import { queues as declared } from "@medallion/core/resources";

// Every SQS queue, from the one declaration the embedded stack also reads. A failed event
// waits there for a person (or a re-drive) for the queue's longest retention: 14 days.
export const queues = Object.fromEntries(
  (Object.keys(declared) as QueueName[]).map((name) => [
    name,
    new sst.aws.Queue(name, { transform: { queue: { messageRetentionSeconds: 14 * 24 * 3600 } } }),
  ]),
) as Record<QueueName, sst.aws.Queue>;
