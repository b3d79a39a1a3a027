import type { TableDeclaration, TableName } from "@medallion/core/resources";
import { tables } from "@medallion/core/resources";

// Every DynamoDB table, from the one declaration the embedded stack also reads.
// sst.aws.Dynamo is on-demand with point-in-time recovery on.
export const stores = Object.fromEntries(
  (Object.entries(tables) as [TableName, TableDeclaration][]).map(([name, table]) => [
    name,
    new sst.aws.Dynamo(name, {
      fields: table.fields,
      primaryIndex: table.primaryIndex,
      globalIndexes: table.globalIndexes,
      ttl: table.ttl,
    }),
  ]),
) as Record<TableName, sst.aws.Dynamo>;
