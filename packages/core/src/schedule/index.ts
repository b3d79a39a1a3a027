export type { PipelineSchedule } from "./schedule";
export { eventBridgeCron, pipelineSchedules, schedules } from "./schedule";
export type { PipelineWindow, WindowRequest } from "./window";
export { dailyWindows, resolveWindow, WindowError } from "./window";
