// asl-validator ships no types; the part the tests use.
declare module "asl-validator" {
  export default function aslValidator(
    definition: unknown,
    options?: { checkPaths?: boolean; checkArn?: boolean },
  ): {
    isValid: boolean;
    errors: { "Error code": string; Message: string }[];
    errorsText(separator?: string): string;
  };
}
