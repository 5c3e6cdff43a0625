import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors/catalogue.js';

const NUL = '\u0000';

/**
 * Where in a parsed value a NUL character (U+0000) sits, in any string or object key, or null.
 * PostgreSQL cannot store it in text (SQLite can), so it is refused at the door on every
 * database: the same answer on both, instead of a 500 from one of them. Walks without
 * recursion, so a deeply nested body cannot overflow the stack.
 */
export function nulPath(root: unknown): string | null {
  const stack: [unknown, string][] = [[root, '']];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [value, path] = item;
    if (typeof value === 'string') {
      if (value.includes(NUL)) return path;
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => {
        stack.push([v, `${path}[${i}]`]);
      });
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        if (k.includes(NUL)) return path;
        stack.push([v, path === '' ? k : `${path}.${k}`]);
      }
    }
  }
  return null;
}

export const nulRefused = (where: string) =>
  new AppError(
    'invalid_request',
    `The request contains a NUL character (U+0000) in ${where}; Gatehouse does not accept it.`,
  );

/** A `preValidation` hook: refuses NUL in the path parameters, the query and the JSON body. */
export async function refuseNul(request: FastifyRequest): Promise<void> {
  const parts: [unknown, string][] = [
    [request.params, 'the path'],
    [request.query, 'the query'],
    [request.body, 'the body'],
  ];
  for (const [value, label] of parts) {
    const at = nulPath(value);
    if (at !== null) throw nulRefused(at === '' ? label : `${label} (${at})`);
  }
}
