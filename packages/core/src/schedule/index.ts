export type { PipelineSchedule } from "./schedule";
export { eventBridgeCron, pipelineSchedules, schedules } from "./schedule";
export type { DatasetWindow, PipelineWindow, WindowRequest } from "./window";
export { dailyWindows, datasetWindowSchema, pipelineWindowSchema, resolveWindow, WindowError } from "./window";
