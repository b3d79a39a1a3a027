export * from "./control";
export * from "./errors";
export * from "./results";
export * from "./step";
export * from "./usage";
