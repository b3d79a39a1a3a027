import type { RedriveSummary } from "@medallion/core/redrive";

/**
 * What a redrive did to each file, one line each, as `medallion redrive` notes them (stderr).
 * @param summary what the redrive did
 */
export function redrivenFiles(summary: RedriveSummary): string[] {
  return [
    ...summary.failed.map(
      (file) =>
        `  ${file.fileId}: ${file.recovered ? `read whole now, ${file.recordsBronze} record(s) to bronze, ${file.recordsQuarantined} quarantined` : `still quarantined whole: ${file.reason}`}`,
    ),
    ...summary.setAside.map(
      (file) => `  ${file.fileId}: set aside (${file.failedStep ?? "?"}: ${file.lastError ?? "?"}), pending again`,
    ),
    ...summary.archived.map((key) => `  ${key}: recovered from _failed/, archived here`),
    ...summary.files.map(
      (file) =>
        `  ${file.fileId}: ${file.recovered} of ${file.tried} record(s) recovered, ${file.stillFailing} still failing`,
    ),
  ];
}

/**
 * A redrive's totals as `medallion redrive` prints them (stdout), ending with the pipeline's line.
 * @param summary what the redrive did
 * @param pipeline the pipeline's line: its status, or why none ran
 */
export function redriveTotals(summary: RedriveSummary, pipeline: string): string[] {
  const { tried, recovered, stillFailing } = summary.records;
  return [
    `medallion redrive: ${summary.dataset}`,
    `  quarantined records  ${tried} tried, ${recovered} recovered, ${stillFailing} still failing`,
    `  files in _failed/    ${summary.failedFiles.tried} tried, ${summary.failedFiles.recovered} recovered, ${summary.failedFiles.stillFailing} still failing`,
    `  set-aside files      ${summary.setAside.length} pending again`,
    `  pipeline             ${pipeline}`,
  ];
}
