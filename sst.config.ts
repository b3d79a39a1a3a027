/// <reference path="./.sst/platform/config.d.ts" />

// The SST app: metadata here, resources in infra/ (one file per concern).
export default $config({
  app(input) {
    return {
      name: "medallion",
      removal: input?.stage === "prod" ? "retain" : "remove",
      protect: input?.stage === "prod",
      home: "aws",
    };
  },
  async run() {
    const infra = await import("./infra");
    return infra.outputs;
  },
});
