/** A file to drop into landing. */
export interface SampleFile {
  key: string;
  body: string | Uint8Array;
}

const CARS = [
  { carChassis: "9BWZZZ377VT004251", Manufacturer: "volkswagen", Model: "Gol", color: " Silver " },
  { carChassis: "9BGRD08X04G117974", Manufacturer: "CHEVROLET", Model: "Onix", color: "Red" },
  { carChassis: "93HGK5860LZ100001", Manufacturer: "honda", Model: "Civic", color: "black" },
  { carChassis: "9BD19716MF3200002", Manufacturer: "Fiat", Model: "Argo", color: "WHITE" },
  { carChassis: "8AJFZ29G1K0000003", Manufacturer: "toyota", Model: "Hilux", color: "Gray" },
  { carChassis: "9BRBL3HE0K0000004", Manufacturer: "Toyota", Model: "Corolla", color: "blue" },
] as const;

// mulberry32: a tiny seeded PRNG, so the sample is the same on every machine and run.
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Readings of every car for one day: `perCar` readings each, mileage growing through the
 * day, so later readings of a car and day supersede earlier ones in silver.
 */
function readings(day: string, perCar: number, rand: () => number, startMileage: number[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  CARS.forEach((car, index) => {
    let mileage = startMileage[index]!;
    for (let reading = 0; reading < perCar; reading++) {
      const trip = Math.round(5 + rand() * 80);
      mileage += trip;
      const hour = String(6 + Math.floor((reading * 14) / perCar)).padStart(2, "0");
      const minute = String(Math.floor(rand() * 60)).padStart(2, "0");
      out.push({
        ...car,
        currentMileage: mileage,
        metricTimestamp: `${day}T${hour}:${minute}:00Z`,
        metrics: {
          trip: { tripMileage: trip, tripFuelLiters: Math.round((trip / (9 + rand() * 6)) * 100) / 100 },
          // Integers on purpose: ingestion normalises them to doubles.
          fuel: { fuelAvailable: Math.round(10 + rand() * 35), fuelCapacity: 50 },
        },
        ...(reading % 3 === 0 ? { gatewayFirmware: "2.4.1" } : {}),
      });
    }
    startMileage[index] = mileage;
  });
  return out;
}

/**
 * A deterministic sample of car telemetry landing files: a JSON array, NDJSON, a single
 * object, repeated readings of the same car and day across files, a few invalid records
 * and one broken file, as a day of gateway uploads would bring.
 */
export function carTelemetrySample(): SampleFile[] {
  const rand = random(20240501);
  const mileage = CARS.map((_, index) => 10_000 + index * 7_321);
  const dayOne = readings("2024-05-01", 8, rand, mileage);
  const dayTwo = readings("2024-05-02", 6, rand, mileage);
  // The same car and day uploaded again later by another gateway: a duplicate for silver.
  const resent = dayOne.filter((_, index) => index % 8 === 7);
  const invalid = [
    { carChassis: "9BWZZZ377VT004251", currentMileage: "twelve thousand", metricTimestamp: "2024-05-01T10:00:00Z" },
    { currentMileage: 15000, metricTimestamp: "2024-05-01T11:00:00Z", Manufacturer: "Fiat" },
    { carChassis: "9BD19716MF3200002", currentMileage: 15001, metricTimestamp: "yesterday" },
  ];
  const ndjson = (records: unknown[]) => `${records.map((record) => JSON.stringify(record)).join("\n")}\n`;
  return [
    { key: "car_telemetry/2024-05-01/gateway-north.json", body: JSON.stringify(dayOne.slice(0, 24), null, 2) },
    { key: "car_telemetry/2024-05-01/gateway-south.ndjson", body: ndjson([...dayOne.slice(24), ...invalid]) },
    { key: "car_telemetry/2024-05-02/gateway-north.ndjson", body: ndjson([...dayTwo.slice(0, 30), ...resent]) },
    { key: "car_telemetry/2024-05-02/late-reading.json", body: JSON.stringify(dayTwo[30], null, 2) },
    { key: "car_telemetry/2024-05-02/gateway-east.json", body: JSON.stringify(dayTwo.slice(31)) },
    // An upload cut off mid-way: the whole file is quarantined with the parser's error.
    {
      key: "car_telemetry/2024-05-02/gateway-west-partial.json",
      body: JSON.stringify(dayTwo.slice(0, 3)).slice(0, 180),
    },
  ];
}
