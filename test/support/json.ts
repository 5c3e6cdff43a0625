import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';

/** Asserts the status (printing the body when it differs) and returns the parsed JSON body. */
export function expectStatus<T = Record<string, unknown>>(
  res: LightMyRequestResponse,
  status: number,
): T {
  if (res.statusCode !== status) {
    expect.fail(`expected HTTP ${status}, got ${res.statusCode}: ${res.body}`);
  }
  return (res.body ? JSON.parse(res.body) : undefined) as T;
}

/** Asserts a catalogue error: status and machine-readable code. */
export function expectError(res: LightMyRequestResponse, status: number, code: string) {
  const body = expectStatus<{ error: { code: string; message: string; details?: unknown[] } }>(
    res,
    status,
  );
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  return body.error;
}
