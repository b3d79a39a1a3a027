export * from "./cost";
export * from "./estimate";
export * from "./history";
export * from "./prices";
export * from "./usage";
