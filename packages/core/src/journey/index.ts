export * from "./control";
export * from "./step";
export * from "./errors";
