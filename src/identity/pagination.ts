import { type RawBuilder, type SqlBool, sql } from 'kysely';
import { AppError } from '../errors/catalogue.js';

/** Keyset position (created_at, id): stable under concurrent inserts, unlike offsets. */
export interface Position {
  created_at: string;
  id: string;
}

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

export function encodeCursor(p: Position): string {
  return Buffer.from(JSON.stringify([p.created_at, p.id])).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): Position | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(v) &&
      v.length === 2 &&
      typeof v[0] === 'string' &&
      typeof v[1] === 'string'
    ) {
      return { created_at: v[0], id: v[1] };
    }
  } catch {
    // fall through to the error below
  }
  throw new AppError(
    'invalid_request',
    'cursor is not valid; use next_cursor from a previous page',
  );
}

/** Fetch limit+1 rows; the extra row only tells whether there is a next page. */
export function toPage<R extends Position, T>(rows: R[], limit: number, map: (r: R) => T): Page<T> {
  const more = rows.length > limit;
  const slice = more ? rows.slice(0, limit) : rows;
  const last = slice[slice.length - 1];
  return { data: slice.map(map), next_cursor: more && last ? encodeCursor(last) : null };
}

/** Row-value comparison (SQLite ≥3.15 and PostgreSQL): rows strictly after the cursor position. */
export function afterPosition(p: Position): RawBuilder<SqlBool> {
  return sql<SqlBool>`(created_at, id) > (${p.created_at}, ${p.id})`;
}
