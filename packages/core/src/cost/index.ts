export * from "./cost";
export * from "./estimate";
export * from "./prices";
export * from "./usage";
