export * from "./ledger";
export * from "./journey";
export * from "./congregado";
export * from "./lock";
