import { resolve } from "node:path";
import { parseArgs } from "node:util";
import type { DatasetSpec } from "@medallion/core/dataset";
// Imported, not read beside this file: the CLI runs bundled, from another folder (bin/medallion.js).
import manifest from "../package.json" with { type: "json" };
import { errorJson, shownError, UsageError } from "./commands/errors";
import type { CommandContext, CommandEntry, OptionValues } from "./commands/index";
import { acceptedOptions, commandHelp, commands, options, overview } from "./commands/index";
import type { Output } from "./commands/output";
import { processOutput } from "./commands/output";

// Exit codes: what a script calling medallion may rely on (README: "The medallion CLI").
const DONE = 0;
const NOT_DONE = 1;
const USAGE = 2;

async function main(argv: string[], out: Output): Promise<number> {
  const [first, ...rest] = argv;
  if (first === "--version" || first === "-V") {
    out.print(`medallion ${version()} (Node.js ${process.version})`);
    return DONE;
  }
  if (first === undefined || first === "help" || first === "--help" || first === "-h") {
    const entry = first === "help" && rest[0] ? commandNamed(rest[0]) : undefined;
    out.print(entry ? commandHelp(entry) : overview());
    return first === undefined ? USAGE : DONE;
  }
  const entry = commandNamed(first);
  // The datasets folder (what `sst deploy` deploys) is known to every command, a --spec file on top.
  await registerDeployed();
  if (entry.ownArguments) {
    if (rest.includes("--help") || rest.includes("-h")) {
      out.print(commandHelp(entry));
      return DONE;
    }
    const command = await entry.load();
    return command.execute({ ...contextDefaults(rest), out });
  }
  const { values, positionals } = parse(entry, rest);
  if (values.help) {
    out.print(commandHelp(entry));
    return DONE;
  }
  // Registered before anything starts: every handler of this process reads the known datasets.
  const spec = values.spec === undefined ? undefined : await registerSpec(values.spec);
  if (spec && values.dataset !== undefined && values.dataset !== spec.name)
    throw new UsageError(
      `--dataset ${values.dataset} does not match the spec's dataset "${spec.name}" (--spec implies --dataset ${spec.name})`,
    );
  const command = await entry.load();
  return command.execute({
    values: spec && values.dataset === undefined ? { ...values, dataset: spec.name } : values,
    positionals,
    dataDir: resolve(values["data-dir"]),
    json: values.json,
    verbose: values.verbose,
    out,
    spec,
  });
}

function commandNamed(name: string): CommandEntry {
  const entry = commands.find((command) => command.name === name);
  if (!entry)
    throw new UsageError(`unknown command "${name}"; the commands are ${commands.map((c) => c.name).join(", ")}`);
  return entry;
}

function parse(entry: CommandEntry, args: string[]): { values: OptionValues; positionals: string[] } {
  let parsed: { values: OptionValues; positionals: string[] };
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`medallion ${entry.name}: ${(error as Error).message} (medallion ${entry.name} --help)`);
  }
  const accepted = acceptedOptions(entry);
  // Flags given on the command line (defaults are not), each checked against the command.
  for (const arg of args) {
    const name = /^--([^=]+)/.exec(arg)?.[1];
    if (name && !accepted.has(name as keyof typeof options))
      throw new UsageError(`medallion ${entry.name} does not take --${name} (medallion ${entry.name} --help)`);
  }
  return parsed;
}

/** Registers the datasets folder's list (`@medallion/datasets`); its problems are usage errors. */
async function registerDeployed(): Promise<void> {
  const [{ DatasetError, registerDatasets }, { default: deployed }] = await Promise.all([
    import("@medallion/core/dataset"),
    import("@medallion/datasets"),
  ]);
  try {
    registerDatasets(deployed);
  } catch (error) {
    if (error instanceof DatasetError) throw new UsageError(`datasets/index.ts: ${error.message}`);
    throw error;
  }
}

// A command that parses its own arguments gets them whole, with the common options' defaults.
function contextDefaults(args: string[]): Omit<CommandContext, "out"> {
  const { values } = parseArgs({ args: [], options, strict: true });
  const json = args.includes("--json");
  return { values: { ...values, json }, positionals: args, dataDir: resolve(values["data-dir"]), json, verbose: false };
}

/** Loads, validates and registers a spec file; its problems are usage errors (exit code 2). */
async function registerSpec(path: string): Promise<DatasetSpec> {
  const { DatasetError, DatasetSpecError, loadDatasetSpec, registerDataset } = await import("@medallion/core/dataset");
  try {
    const spec = await loadDatasetSpec(path);
    registerDataset(spec);
    return spec;
  } catch (error) {
    if (error instanceof DatasetSpecError && error.file === undefined)
      throw new UsageError(`${path}: ${error.message}`);
    if (error instanceof DatasetError) throw new UsageError(error.message);
    throw error;
  }
}

function version(): string {
  return manifest.version;
}

const out = processOutput();
const json = process.argv.includes("--json");
main(process.argv.slice(2), out).then(
  (code) => process.exit(code),
  (thrown: unknown) => {
    const error = shownError(thrown);
    // A spec change a run refuses is the caller's to resolve (the message names the command): exit 2, like a usage error.
    const usage =
      error instanceof UsageError ||
      ["ReadOnlyError", "SchemaChangeRefusedError"].includes((error as Error | undefined)?.name ?? "");
    if (json) out.json({ error: errorJson(error) });
    out.note(
      usage
        ? (error as Error).message
        : `medallion: ${error instanceof Error ? error.message : String(error)}${hint(error)}`,
    );
    if (process.env.MEDALLION_DEBUG && error instanceof Error) out.note(error.stack ?? "");
    process.exit(usage ? USAGE : NOT_DONE);
  },
);

function hint(error: unknown): string {
  if ((error as Error | undefined)?.name === "PortInUseError")
    return " (pass --s3-port / --dynamodb-port, 0 for any free port)";
  return "";
}
