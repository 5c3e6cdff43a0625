import type { z } from 'zod';
import { AppError, type ErrorDetail } from '../errors/catalogue.js';

function path(p: readonly PropertyKey[]): string {
  return p
    .map((x) => (typeof x === 'number' ? `[${x}]` : `.${String(x)}`))
    .join('')
    .replace(/^\./, '');
}

/** Parses untrusted input; on failure a 422 listing every problem with its field path. */
export function parse<S extends z.ZodType>(schema: S, data: unknown, what = 'body'): z.infer<S> {
  const r = schema.safeParse(data ?? (what === 'body' ? undefined : {}));
  if (r.success) return r.data;
  const details: ErrorDetail[] = r.error.issues.map((i) => ({
    path: path(i.path) || what,
    message: i.message,
  }));
  const first = details[0];
  throw new AppError(
    'validation_failed',
    first ? `Invalid ${what}: ${first.path}: ${first.message}` : `Invalid ${what}.`,
    details,
  );
}
