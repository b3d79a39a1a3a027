export { dailyWindows, resolveWindow, WindowError } from "./window";
export type { PipelineWindow, WindowRequest } from "./window";
