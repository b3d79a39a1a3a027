// What each dataset's tables look like in the catalog (Glue on AWS, the local catalog offline).
// Pure functions of a spec, with no SDK: infra imports this module at deploy time.
export { hiveType } from "./hive";
export { bronzeTableShape, silverTableShape } from "./tables";
export type { CatalogColumn, CatalogTableShape } from "./tables";
export { hasGold } from "../gold/spec";
