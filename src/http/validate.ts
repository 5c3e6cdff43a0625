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
  if (what === 'body' && (data === null || data === undefined)) {
    // A JSON `null` or no body at all: say what to send, not "received undefined".
    throw new AppError('validation_failed', 'The body is missing: send a JSON object.', [
      { path: 'body', message: 'send a JSON object' },
    ]);
  }
  const details: ErrorDetail[] = r.error.issues.map((i) => ({
    path: path(i.path) || what,
    message: i.message,
  }));
  const first = details[0];
  throw new AppError(
    'validation_failed',
    !first
      ? `Invalid ${what}.`
      : first.path === what
        ? `Invalid ${what}: ${first.message}`
        : `Invalid ${what}: ${first.path}: ${first.message}`,
    details,
  );
}
