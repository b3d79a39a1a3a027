import type { DatasetSpec } from "../dataset/spec";

/** Car telemetry: one reading per car per moment, uploaded by the cars' gateways. */
export const carTelemetry = {
  name: "car_telemetry",
  landingPrefix: "car_telemetry/",
  fields: [
    { name: "carChassis", type: "string", required: true },
    { name: "currentMileage", type: "double", required: true },
    { name: "metricTimestamp", type: "timestamp", required: true },
    { name: "Manufacturer", type: "string" },
    { name: "Model", type: "string" },
    { name: "color", type: "string" },
    {
      name: "metrics",
      type: "struct",
      fields: [
        {
          name: "trip",
          type: "struct",
          fields: [
            { name: "tripMileage", type: "double" },
            { name: "tripFuelLiters", type: "double" },
          ],
        },
        {
          name: "fuel",
          type: "struct",
          fields: [
            { name: "fuelAvailable", type: "double" },
            { name: "fuelCapacity", type: "double" },
          ],
        },
      ],
    },
  ],
} satisfies DatasetSpec;
