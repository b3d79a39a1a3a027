import type { DatasetSpec } from "./spec";

/**
 * Operations, consolidated from two origins: the online source (SoR), whose events land under
 * `operations/online/`, and the nightly batch source (SoT), under `operations/batch/`. Each
 * silver row says where it came from in `origem`; per operation version the event with the
 * highest priority wins, then the most recently received.
 */
export const operations = {
  name: "operations",
  landingPrefix: "operations/",
  fields: [
    { name: "num_oper", type: "string", required: true, description: "Operation number" },
    { name: "cod_idef_ver_oper", type: "string", required: true, description: "Operation version identifier" },
    { name: "origem", type: "string", description: "Origin (`online` | `batch`) when the source system states it" },
    { name: "num_prio_even_oper", type: "double", required: true, description: "Event priority: higher wins" },
    {
      name: "dat_recm_even_oper",
      type: "timestamp",
      required: true,
      description: "When the event was received: newer wins among equal priorities",
    },
    { name: "dat_oper", type: "timestamp", required: true, description: "Operation date: the partition" },
    { name: "cod_situ_oper", type: "string", description: "Operation status" },
    { name: "vlr_oper", type: "double", description: "Operation amount" },
    { name: "cod_moed", type: "string", description: "ISO 4217 currency" },
  ],
  silver: {
    cleanse: { origem: "lower", cod_situ_oper: "upper", cod_moed: "upper" },
    derived: [
      {
        name: "origem",
        kind: "origin",
        field: "origem",
        rules: [
          { prefix: "operations/online/", value: "online" },
          { prefix: "operations/batch/", value: "batch" },
        ],
      },
    ],
    partition: { from: "dat_oper", yyyymmdd: "anomesdia" },
    dedup: {
      key: ["num_oper", "cod_idef_ver_oper", "anomesdia"],
      order: [
        { column: "num_prio_even_oper", descending: true },
        { column: "dat_recm_even_oper", descending: true },
      ],
    },
    target: { table: { name: "operations" } },
    retentionDays: 7,
  },
} satisfies DatasetSpec;
