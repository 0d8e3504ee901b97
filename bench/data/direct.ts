import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { planQuery, releaseResult, type QueryPlan } from '@shuzhi/data';
import { DataQuery, type DataOutputRule, type DataQueryInput, type DataResult } from '@shuzhi/schema';
import { COLUMNS } from './product.ts';

/**
 * The baseline: the statement the engine compiles for a query, run straight in DuckDB over the same
 * Parquet the data plane reads — one open connection, no contract, no job, no release step timed.
 */
export class DirectEngine {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly c: DuckDBConnection,
  ) {}

  static async open(parquetGlob: string): Promise<DirectEngine> {
    const instance = await DuckDBInstance.create(':memory:');
    const c = await instance.connect();
    await c.run(`CREATE VIEW __product AS SELECT * FROM read_parquet('${parquetGlob.replaceAll("'", "''")}')`);
    return new DirectEngine(instance, c);
  }

  static plan(query: DataQueryInput, output: DataOutputRule): QueryPlan {
    return planQuery(DataQuery.parse(query), COLUMNS, output);
  }

  /** Runs the plan's statement; the rows as DuckDB gives them, BIGINTs as numbers. */
  async run(plan: QueryPlan): Promise<Record<string, unknown>[]> {
    const reader = await this.c.runAndReadAll(plan.sql, plan.params as DuckDBValue[]);
    return reader.getRowObjectsJS().map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])));
  }

  /** What the output rule would release from the direct rows (k-anonymity adds no noise, so it is exact). */
  static release(plan: QueryPlan, rows: Record<string, unknown>[], rowsScanned: number, output: DataOutputRule): DataResult {
    return releaseResult(plan, { rows, rowsScanned }, output, { next: () => 0.5 });
  }

  close(): void {
    this.c.closeSync();
    this.instance.closeSync();
  }
}
