import type { DataColumn } from '@shuzhi/schema';
import { DataRuleError, type DataRuleCode } from '../errors.ts';

export interface QueryIssue {
  code: DataRuleCode;
  path: string;
  message: string;
}

/** Collects every problem of a query, so the consumer fixes them all in one go. */
export class QueryIssues {
  readonly list: QueryIssue[] = [];
  private readonly byName: Map<string, DataColumn>;
  constructor(private readonly columns: DataColumn[]) {
    this.byName = new Map(columns.map((c) => [c.name, c]));
  }

  add(code: DataRuleCode, path: string, message: string): void {
    this.list.push({ code, path, message });
  }

  get count(): number {
    return this.list.length;
  }

  find(name: string): DataColumn | undefined {
    return this.byName.get(name);
  }

  /** The product column `name` if its role allows this use; otherwise an issue (unknown, not allowed or wrong role). */
  column(name: string, path: string, roles: DataColumn['role'][], use: string): DataColumn | undefined {
    const col = this.byName.get(name);
    if (!col) {
      this.add('COLUMN_UNKNOWN', path, `the product has no column '${name}'; its columns are ${this.columns.map((c) => c.name).join(', ')}`);
      return undefined;
    }
    if (roles.includes(col.role)) return col;
    if (col.role === 'identifier' || col.role === 'sensitive') {
      this.add('COLUMN_NOT_ALLOWED', path, `'${name}' is a ${col.role} column: it may not be ${use}${col.role === 'identifier' ? ' (only a join key)' : ''}`);
    } else {
      this.add('QUERY_INVALID', path, `'${name}' is a ${col.role} column; only ${roles.join(' or ')} columns may be ${use}`);
    }
    return undefined;
  }

  /** Throws every issue at once; the error's code is the first issue's. */
  throwIfAny(): void {
    if (this.list.length === 0) return;
    const first = this.list[0]!;
    throw new DataRuleError(
      first.code,
      this.list.map((i) => `${i.path}: ${i.message}`).join('; '),
      { codes: [...new Set(this.list.map((i) => i.code))] },
      this.list.map(({ path, message }) => ({ path, message })),
    );
  }
}
