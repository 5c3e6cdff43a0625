import { AppError } from '../errors/catalogue.js';
import type { ClientBody, Operation } from './providers/types.js';

const bad = (param: string, message: string) =>
  new AppError('invalid_request', `${param}: ${message}`, [{ path: param, message }]);

/**
 * The few fields the gateway itself relies on; everything else is the provider's to judge
 * (and it answers in its own words, which the client then sees).
 */
export function clientBody(op: Operation, body: unknown): ClientBody {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new AppError('invalid_request', 'The body must be a JSON object.');
  }
  const b = body as Record<string, unknown>;
  if (typeof b.model !== 'string' || b.model === '') throw bad('model', 'is required');
  if (op === 'chat') {
    if (!Array.isArray(b.messages) || b.messages.length === 0)
      throw bad('messages', 'must be a non-empty array');
    if (b.stream !== undefined && b.stream !== null && typeof b.stream !== 'boolean')
      throw bad('stream', 'must be a boolean');
  } else if (b.input === undefined || b.input === null) {
    throw bad('input', 'is required');
  }
  return b as ClientBody;
}

export function clientWantsUsage(body: ClientBody): boolean {
  const o = body.stream_options;
  return !!o && typeof o === 'object' && (o as { include_usage?: unknown }).include_usage === true;
}

/** Rough tokens for a request whose provider reported none (a stream cut off): ~4 chars each. */
export function estimatePromptTokens(op: Operation, body: ClientBody): number {
  const text = JSON.stringify(op === 'chat' ? body.messages : body.input) ?? '';
  return Math.ceil(text.length / 4);
}
