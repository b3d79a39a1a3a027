export * from "./lock";
export * from "./errors";
