import type { SilverDay } from "./gold";

const CARS = ["CAR-A", "CAR-B", "CAR-C", "CAR-D", "CAR-E", "CAR-F"];
const MAKERS = ["toyota", "honda", "ford"];

/**
 * A history backfill of car telemetry: daily readings of six cars over `days` days from
 * 2019-01-01, as NDJSON lines of one landing file (~6.25 lines per day), with a lower, earlier
 * reading of the same car and day now and then (silver keeps the higher mileage); and the rows
 * silver must keep, for computing gold independently.
 * @param days how many days of history
 * @example const { lines, kept } = carHistory(1_600); // five years, ~10k records
 */
export function carHistory(days: number): { lines: string[]; kept: SilverDay[] } {
  const lines: string[] = [];
  const kept: SilverDay[] = [];
  for (let day = 0; day < days; day++) {
    for (const [c, car] of CARS.entries()) {
      const at = new Date(Date.UTC(2019, 0, 1 + day, 8 + c)).toISOString();
      const maker = MAKERS[c % MAKERS.length]!;
      const reading = (mileage: number, trip: number, liters: number, fuel: number, time: string) =>
        JSON.stringify({
          carChassis: car,
          currentMileage: mileage,
          metricTimestamp: time,
          Manufacturer: maker,
          metrics: {
            trip: { tripMileage: trip, tripFuelLiters: liters },
            fuel: { fuelAvailable: fuel, fuelCapacity: 60 },
          },
        });
      const mileage = 1_000 + day * 50 + c;
      lines.push(reading(mileage, 40 + c, 4, 30 + (day % 7), at));
      if ((day + c) % 25 === 0) lines.push(reading(mileage - 100, 1, 1, 1, at.replace(":00:00", ":00:01")));
      kept.push({
        car,
        at: at.slice(0, 19),
        mileage,
        manufacturer: maker[0]!.toUpperCase() + maker.slice(1),
        tripKm: 40 + c,
        tripLiters: 4,
        fuelPct: ((30 + (day % 7)) / 60) * 100,
      });
    }
  }
  return { lines, kept };
}
