import { AppError } from '../errors/catalogue.js';
import type { ClientBody, Operation } from './providers/types.js';

const MODEL_MAX_LENGTH = 200;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
const CONTROL = /[\u0000-\u001f\u007f]/;

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
  // The name is stored in the spend log (an indexed column): through a wildcard route any name
  // reaches it, and one PostgreSQL cannot store (a NUL, an index entry over ~2.7 KB) would fail
  // every spend write after it. The same bound as the models lists of the management API.
  if (b.model.length > MODEL_MAX_LENGTH) {
    throw bad('model', `must be at most ${MODEL_MAX_LENGTH} characters`);
  }
  if (CONTROL.test(b.model)) throw bad('model', 'must not contain control characters');
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
