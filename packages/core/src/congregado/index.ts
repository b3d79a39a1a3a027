export * from "./batch";
export * from "./errors";
export type { FittedSample } from "./sample";
export { fitSample } from "./sample";
export * from "./save";
