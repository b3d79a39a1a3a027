/** One car-telemetry reading, as landed. */
export interface CarReading {
  carChassis: string;
  currentMileage: number;
  metricTimestamp: string;
  Manufacturer: string;
  metrics: {
    trip: { tripMileage: number; tripFuelLiters: number };
    fuel: { fuelAvailable: number; fuelCapacity: number };
  };
}

/** A car's best reading of a day: what silver keeps. */
export interface SilverReading {
  carChassis: string;
  day: number;
  mileage: number;
}

/**
 * The readings of one landing file: cars CAR0–CAR3 on days 1–3 of May 2024, several per car and
 * day, each file with other mileages.
 * @param file the file's number
 * @param count readings in the file (default 24)
 */
export function carReadings(file: number, count = 24): CarReading[] {
  return Array.from({ length: count }, (_, i) =>
    carReading(
      `CAR${i % 4}`,
      1000 + file * 37 + ((i * 13) % 29),
      `2024-05-0${1 + (i % 3)}T${String(8 + (i % 9)).padStart(2, "0")}:00:00Z`,
    ),
  );
}

/**
 * One reading of a car, a fiat with the same trip and fuel metrics as every other.
 * @param carChassis the car
 * @param currentMileage its odometer
 * @param metricTimestamp when it was read (ISO 8601)
 */
export function carReading(carChassis: string, currentMileage: number, metricTimestamp: string): CarReading {
  return {
    carChassis,
    currentMileage,
    metricTimestamp,
    Manufacturer: "fiat",
    metrics: { trip: { tripMileage: 10, tripFuelLiters: 1 }, fuel: { fuelAvailable: 20, fuelCapacity: 50 } },
  };
}

/**
 * The pipeline window of one hour on 1 May 2024, the first day of the readings.
 * @param hour the window's first hour (0–22)
 */
export function windowOfHour(hour: number): { from: string; to: string } {
  return {
    from: `2024-05-01T${String(hour).padStart(2, "0")}:00:00Z`,
    to: `2024-05-01T${String(hour + 1).padStart(2, "0")}:00:00Z`,
  };
}

/**
 * Silver of car_telemetry as its spec defines it, computed here independently of the pipeline:
 * per car and day, the highest mileage; sorted by car, then day.
 * @param readings every reading landed
 */
export function expectedSilver(readings: CarReading[]): SilverReading[] {
  const best = new Map<string, SilverReading>();
  for (const reading of readings) {
    const day = Number(reading.metricTimestamp.slice(8, 10));
    const key = `${reading.carChassis}#${day}`;
    const known = best.get(key);
    if (!known || known.mileage < reading.currentMileage)
      best.set(key, { carChassis: reading.carChassis, day, mileage: reading.currentMileage });
  }
  return [...best.values()].sort((a, b) => a.carChassis.localeCompare(b.carChassis) || a.day - b.day);
}

/** The SQL that reads silver as {@link SilverReading}s (`medallion query`, DuckDB). */
export const silverReadingsSql =
  "SELECT carChassis, CAST(event_day AS INTEGER) AS day, currentMileage AS mileage FROM silver.car_telemetry ORDER BY carChassis, event_day";
