export * from "./errors";
export * from "./lock";
