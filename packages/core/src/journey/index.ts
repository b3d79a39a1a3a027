export * from "./control";
export * from "./errors";
export * from "./lease";
export * from "./results";
export * from "./step";
export * from "./usage";
