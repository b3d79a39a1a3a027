/** Base class of every dataset-spec error. */
export class DatasetError extends Error {
  override name = "DatasetError";
}

/** One problem of a spec: where (a field path such as `fields[2].type`) and why. */
export interface SpecIssue {
  path: string;
  reason: string;
}

/** A dataset spec is not valid: each issue names the field path and the reason. */
export class DatasetSpecError extends DatasetError {
  override name = "DatasetSpecError";
  /** The spec file, when the spec came from one. */
  readonly file: string | undefined;
  readonly issues: SpecIssue[];
  constructor(issues: SpecIssue[], options: ErrorOptions & { file?: string } = {}) {
    const where = options.file ? `dataset spec ${options.file}` : "dataset spec";
    super(
      `${where} is invalid:\n${issues.map((issue) => `  - ${issue.path || "(spec)"}: ${issue.reason}`).join("\n")}`,
      options,
    );
    this.file = options.file;
    this.issues = issues;
  }
}

/** A spec file could not be loaded: missing, does not compile, or exports no spec. */
export class DatasetSpecLoadError extends DatasetError {
  override name = "DatasetSpecLoadError";
  readonly file: string;
  constructor(file: string, reason: string, options: ErrorOptions = {}) {
    super(`cannot load dataset spec ${file}: ${reason}`, options);
    this.file = file;
  }
}
