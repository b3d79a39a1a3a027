export * from "./save";
export * from "./batch";
export * from "./errors";
export { fitSample } from "./sample";
export type { FittedSample } from "./sample";
