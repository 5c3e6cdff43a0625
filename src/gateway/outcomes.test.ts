import { describe, expect, it } from 'vitest';
import { failureOutcome } from './outcomes.js';

describe('upstream failures', () => {
  it("attack: a provider's 401 text quoting the upstream key never reaches the client", () => {
    const out = failureOutcome(
      401,
      { message: 'Incorrect API key provided: sk-upstr****cret', type: null },
      'gpt-4o-0',
      null,
    );
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.error.message).not.toContain('sk-upstr');
    expect(out.error).toMatchObject({ code: 'upstream_error', status: 502 });
    expect(out.retryable).toBe(true);
  });

  it('429 carries the Retry-After in seconds; 400 is the client’s and not retried', () => {
    const limited = failureOutcome(429, { message: 'slow', type: null }, 'd', 2500);
    expect(limited).toMatchObject({ retryable: true, rateLimitedForMs: 2500 });
    if (!limited.ok)
      expect((limited.error as unknown as { retryAfterSeconds: number }).retryAfterSeconds).toBe(3);
    const bad = failureOutcome(400, { message: 'bad temperature', type: null }, 'd', null);
    expect(bad).toMatchObject({ retryable: false });
    if (!bad.ok)
      expect(bad.error).toMatchObject({ code: 'invalid_request', message: 'bad temperature' });
  });
});
