import { describe, expect, it } from 'vitest';
import { ApiError, errorFromResponse, messageOf } from './errors.js';

describe('API errors as the UI shows them', () => {
  it('keeps code, message and details of the Gatehouse shape', () => {
    const e = errorFromResponse(
      422,
      JSON.stringify({
        error: {
          code: 'validation_failed',
          message: 'Invalid body: name: Too small',
          details: [{ path: 'name', message: 'Too small' }],
        },
      }),
    );
    expect(e.code).toBe('validation_failed');
    expect(e.status).toBe(422);
    expect(e.message).toBe('Invalid body: name: Too small');
    expect(e.details).toEqual([{ path: 'name', message: 'Too small' }]);
  });

  it('a non-JSON answer (a proxy error page) still gives a readable message', () => {
    const e = errorFromResponse(502, '<html>Bad gateway</html>');
    expect(e.code).toBe('http_error');
    expect(e.message).toContain('502');
  });

  it('network failures and API errors read as sentences', () => {
    expect(messageOf(new TypeError('Failed to fetch'))).toMatch(/could not be reached/);
    expect(messageOf(new ApiError(403, 'forbidden', 'Your role does not allow it.'))).toBe(
      'Your role does not allow it.',
    );
  });
});
