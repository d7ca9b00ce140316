import { sql, type RawBuilder } from 'kysely';

// Radius search in SQL, one way for every feature (contagion, segments): a latitude band and a
// longitude band an index on (organization_id, latitude, longitude) answers, then the exact
// great-circle distance (great_circle_ft, migration 0009: the same answer on both engines).

const EARTH_RADIUS_FT = 20_902_231;

/** The bands' half-widths for `ft` feet, with a 1 % margin: latitude in degrees, and longitude at latitude `lat` (a circle reaches asin(sin δ / cos φ) east and west). */
function halfWidths(lat: RawBuilder<unknown>, ft: number) {
  const angle = (ft / EARTH_RADIUS_FT) * 1.01;
  const dLat = (angle * 180) / Math.PI;
  const dLon = sql`CASE WHEN abs(${lat}) + ${dLat}::float8 >= 90 THEN 180::float8
                   ELSE degrees(asin(least(1, sin(${angle}::float8) / cos(radians(${lat}))))) END`;
  return { dLat, dLon };
}

/** b (lat2, lon2) within `ft` feet of a (lat1, lon1). */
export function within(lat1: RawBuilder<unknown>, lon1: RawBuilder<unknown>, lat2: RawBuilder<unknown>, lon2: RawBuilder<unknown>, ft: number) {
  const { dLat, dLon } = halfWidths(lat1, ft);
  return sql`${lat2} BETWEEN ${lat1} - ${dLat}::float8 AND ${lat1} + ${dLat}::float8
    AND ${lon2} BETWEEN ${lon1} - ${dLon} AND ${lon1} + ${dLon}
    AND great_circle_ft(${lat1}, ${lon1}, ${lat2}, ${lon2}) <= ${ft}::float8`;
}

/**
 * A point's search box for `ft` feet as four columns (lat_lo, lat_hi, lon_lo, lon_hi), for a
 * driving row set that a search of a tenant table reads: under row-level security the planner
 * keeps a condition with arithmetic on another table's columns out of the index (the arithmetic
 * could leak rows), so the box is computed first and compared column to column.
 */
export function boxColumns(lat: RawBuilder<unknown>, lon: RawBuilder<unknown>, ft: number) {
  const { dLat, dLon } = halfWidths(lat, ft);
  return sql`${lat} - ${dLat}::float8 AS lat_lo, ${lat} + ${dLat}::float8 AS lat_hi, ${lon} - ${dLon} AS lon_lo, ${lon} + ${dLon} AS lon_hi`;
}

/** The tenant table's point (lat2, lon2) in the box of `b` and within `ft` feet of (lat1, lon1). */
export function inBox(b: string, lat1: RawBuilder<unknown>, lon1: RawBuilder<unknown>, lat2: RawBuilder<unknown>, lon2: RawBuilder<unknown>, ft: number) {
  return sql`${lat2} BETWEEN ${sql.ref(`${b}.lat_lo`)} AND ${sql.ref(`${b}.lat_hi`)} AND ${lon2} BETWEEN ${sql.ref(`${b}.lon_lo`)} AND ${sql.ref(`${b}.lon_hi`)}
    AND great_circle_ft(${lat1}, ${lon1}, ${lat2}, ${lon2}) <= ${ft}::float8`;
}
