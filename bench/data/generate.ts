import { statSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { COUNTIES } from './product.ts';

/**
 * Writes `rows` synthetic meter readings as Parquet with DuckDB. County, month and energy_kwh are
 * different digits of one hash of the row number, so they are independent of each other and the same
 * `rows` gives the same file; energy_kwh stays within its bounds [0, 1000].
 */
export async function generateParquet(dir: string, rows: number): Promise<{ file: string; bytes: number }> {
  const file = join(dir, 'meters.parquet');
  const instance = await DuckDBInstance.create(':memory:');
  const c = await instance.connect();
  try {
    const counties = `[${COUNTIES.map((n) => `'${n}'`).join(', ')}]`;
    await c.run(`COPY (
      SELECT
        'm' || lpad(CAST(i AS VARCHAR), 10, '0') AS meter_id,
        (${counties})[1 + CAST(h % ${COUNTIES.length} AS BIGINT)] AS county,
        CAST(1 + (h // ${COUNTIES.length}) % 12 AS BIGINT) AS month,
        CAST((h // ${COUNTIES.length * 12}) % 100001 AS DOUBLE) / 100 AS energy_kwh
      FROM (SELECT i, hash(i) AS h FROM range(${Math.floor(rows)}) t(i))
    ) TO '${file.replaceAll("'", "''")}' (FORMAT parquet)`);
  } finally {
    c.closeSync();
    instance.closeSync();
  }
  return { file, bytes: statSync(file).size };
}
