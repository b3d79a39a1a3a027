export * from "./errors";
export * from "./lock";
export * from "./owner";
