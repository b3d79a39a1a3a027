const { register } = await import("tsx/esm/api");
register();
await import(process.argv[2]);
