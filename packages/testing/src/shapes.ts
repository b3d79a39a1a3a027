// Real-world JSON shapes, made here (nothing copied from public files): a GeoJSON
// FeatureCollection as feeds publish it, an API's paged envelope, and keys, dates, epoch
// times, 64-bit ids, lists and nulls as public data sets bring them. Deterministic, so tests
// and benchmarks can compare against an independent reading of the same text.

/** A small deterministic random source (LCG), so every run makes the same data. */
export function seeded(seed = 7): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
}

/** The first instant of the quakes' feed: 2024-06-10T06:13:20Z, in milliseconds. */
export const QUAKES_START_MS = 1718000000000;

/**
 * One earthquake feature, as a GeoJSON feed writes it: `properties` with epoch-ms times,
 * integer and null fields, a title that is sometimes a number; `geometry.coordinates` a list
 * of numbers (depth sometimes null). Ids repeat every `distinct` features (a feed re-sends
 * updated events), with a later `updated`.
 * @param i the feature's position
 * @param options.distinct how many distinct ids there are
 */
export function quakeFeature(i: number, { distinct = Number.POSITIVE_INFINITY } = {}): Record<string, unknown> {
  const random = seeded(i + 1);
  const id = `ci${(i % distinct).toString().padStart(7, "0")}`;
  const n = i % distinct;
  return {
    type: "Feature",
    properties: {
      mag: Math.round(random() * 60) / 10,
      place: random() < 0.1 ? null : `${Math.floor(random() * 90)} km NE of Station ${n % 13}`,
      time: QUAKES_START_MS + n * 3_600_000 + Math.floor(random() * 1000),
      updated: QUAKES_START_MS + n * 3_600_000 + 60_000 + i,
      felt: random() < 0.4 ? null : Math.floor(random() * 500),
      tsunami: n % 17 === 0 ? 1 : 0,
      net: ["ci", "us", "nc"][n % 3],
      title: n % 11 === 0 ? n : `M ${(Math.round(random() * 60) / 10).toFixed(1)} - Station ${n % 13}`,
    },
    geometry: {
      type: "Point",
      coordinates: [
        Math.round((-118 + random()) * 1e4) / 1e4,
        Math.round((33 + random()) * 1e4) / 1e4,
        random() < 0.1 ? null : Math.round(random() * 300) / 10,
      ],
    },
    id,
  };
}

/**
 * A FeatureCollection document, pretty-printed as published (`metadata`, `features`, `bbox`).
 * @param features the features
 */
export function featureCollection(features: Record<string, unknown>[]): string {
  return JSON.stringify(
    {
      type: "FeatureCollection",
      metadata: { generated: QUAKES_START_MS, title: "Made-up quakes, past day", status: 200, count: features.length },
      features,
      bbox: [-118, 33, 0, -117, 34, 30],
    },
    null,
    2,
  );
}

/**
 * A film record as a public data set writes it: keys with spaces and parentheses, a gross
 * that is a number, a title that is sometimes a number, "Jun 12 1998" dates, a 64-bit id
 * (beyond 2^53) written as a JSON number, epoch seconds, a list of numbers and a list of
 * structs, nulls everywhere.
 * @param i the record's position
 */
export function filmRecord(i: number): string {
  const random = seeded(1000 + i);
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const record = {
    "Film Id": "__ID__",
    Title: i % 9 === 0 ? 1900 + i : `Film ${i}`,
    "US Gross": random() < 0.15 ? null : Math.round(random() * 4e8),
    "Running Time (min)": random() < 0.1 ? null : 80 + Math.floor(random() * 90),
    "Release Date": random() < 0.1 ? null : `${months[i % 12]} ${1 + (i % 28)} ${1990 + (i % 30)}`,
    updated_at: 1_700_000_000 + i * 86_400 + (i % 7),
    ratings: random() < 0.2 ? null : Array.from({ length: i % 4 }, (_, k) => Math.round(random() * 100) / 10 + k),
    cast:
      random() < 0.2
        ? null
        : Array.from({ length: 1 + (i % 3) }, (_, k) => ({
            name: `Actor ${(i * 7 + k) % 50}`,
            "Born (year)": random() < 0.3 ? null : 1940 + ((i + k) % 60),
          })),
  };
  // 64-bit ids beyond 2^53, written as JSON numbers (JSON.stringify cannot).
  return JSON.stringify(record).replace('"__ID__"', filmId(i).toString());
}

/**
 * The 64-bit id of film `i`: beyond 2^53, so a double cannot hold it.
 * @param i the record's position
 */
export const filmId = (i: number): bigint => 9_007_199_254_740_993n + BigInt(i) * 1_000_003n;

/**
 * Pages of an API's answer: `{ "data": { "items": […] }, "next": … }`, one page per line (NDJSON of envelopes).
 * @param records each record's JSON text
 * @param perPage records per page
 */
export function apiPages(records: string[], perPage: number): string {
  const pages: string[] = [];
  for (let p = 0; p * perPage < records.length; p++) {
    const items = records.slice(p * perPage, (p + 1) * perPage);
    const next = (p + 1) * perPage < records.length ? `"https://api.example.test/films?page=${p + 2}"` : "null";
    pages.push(`{"data":{"count":${items.length},"items":[${items.join(",")}]},"next":${next}}`);
  }
  return `${pages.join("\n")}\n`;
}
