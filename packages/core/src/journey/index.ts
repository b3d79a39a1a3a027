export * from "./control";
export * from "./errors";
export * from "./step";
