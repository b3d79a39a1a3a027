import type { Usage } from "@medallion/core/cost";
import type { RecordedCall } from "./iam/recorder";

// IAM actions S3 and DynamoDB bill as reads; every other request of theirs is billed as a write.
const READS = /^(s3:Get|s3:Head|dynamodb:(Get|Query|Scan|BatchGet|ConditionCheck|DescribeTable))/;

/**
 * The S3 and DynamoDB requests made between two snapshots of the recorded calls.
 * @param before the calls recorded before
 * @param after the calls recorded after
 */
export function requestUsage(before: readonly RecordedCall[], after: readonly RecordedCall[]): Usage {
  const id = (call: RecordedCall) => `${call.principal}\u0000${call.action}\u0000${call.resource}`;
  const earlier = new Map(before.map((call) => [id(call), call.count]));
  const usage: Required<Pick<Usage, "s3_reads" | "s3_writes" | "dynamodb_reads" | "dynamodb_writes">> = {
    s3_reads: 0,
    s3_writes: 0,
    dynamodb_reads: 0,
    dynamodb_writes: 0,
  };
  for (const call of after) {
    const made = call.count - (earlier.get(id(call)) ?? 0);
    if (made <= 0) continue;
    const read = READS.test(call.action);
    if (call.action.startsWith("s3:")) usage[read ? "s3_reads" : "s3_writes"] += made;
    else if (call.action.startsWith("dynamodb:")) usage[read ? "dynamodb_reads" : "dynamodb_writes"] += made;
  }
  return usage;
}
