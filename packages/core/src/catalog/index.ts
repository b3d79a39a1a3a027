// What each dataset's tables look like in the catalog (Glue on AWS, the local catalog offline).
// Pure functions of a spec, with no SDK: infra imports this module at deploy time.

export { hasGold } from "../gold/spec";
export { hiveType } from "./hive";
export type { CatalogColumn, CatalogTableShape } from "./tables";
export { bronzeTableShape, silverTableShape } from "./tables";
