export { eventBridgeCron, pipelineSchedules, schedules } from "./schedule";
export type { PipelineSchedule } from "./schedule";
export { dailyWindows, resolveWindow, WindowError } from "./window";
export type { PipelineWindow, WindowRequest } from "./window";
