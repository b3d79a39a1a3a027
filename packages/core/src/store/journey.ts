// Journey control: one item per pipeline run (see journey-control.ts), and running work under it.
export * from "./journey-control";
export * from "./journey-execute";
export * from "./errors";
