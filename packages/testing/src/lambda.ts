// Tests invoke handlers with the same Lambda context the embedded stack uses.
export { lambdaContext } from "@medallion/local/lambda-context";
