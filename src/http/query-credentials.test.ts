import { describe, expect, it } from 'vitest';
import { AppError } from '../errors/catalogue.js';
import { credentialParam, redactUrl, refuseQueryCredential } from './query-credentials.js';

describe('redactUrl', () => {
  it.each([
    ['/v1/models?key=sk-secret', '/v1/models?key=[redacted]'],
    ['/v1/models?api_key=sk-secret&x=1', '/v1/models?api_key=[redacted]&x=1'],
    ['/api/v1/me?limit=5&access_token=abc', '/api/v1/me?limit=5&access_token=[redacted]'],
    ['/a?TOKEN=abc', '/a?TOKEN=[redacted]'],
    ['/a?api%5Fkey=abc', '/a?api%5Fkey=[redacted]'],
    ['/a?key', '/a?key=[redacted]'],
    ['/a?key=abc#frag', '/a?key=[redacted]#frag'],
    ['/a?key=abc&key=def', '/a?key=[redacted]&key=[redacted]'],
  ])('%s → %s', (url, want) => {
    expect(redactUrl(url)).toBe(want);
  });

  it('leaves other parameters and URLs without a query alone', () => {
    expect(redactUrl('/api/v1/users?email=a@b.c&limit=2')).toBe(
      '/api/v1/users?email=a@b.c&limit=2',
    );
    expect(redactUrl('/health/liveliness')).toBe('/health/liveliness');
    expect(redactUrl('/a?keys=1&monkey=2')).toBe('/a?keys=1&monkey=2');
  });

  it('survives a broken percent-encoding', () => {
    expect(redactUrl('/a?%E0%A4%A=1&token=x')).toBe('/a?%E0%A4%A=1&token=[redacted]');
  });
});

describe('refuseQueryCredential', () => {
  it('names the parameter and says to use the Authorization header', () => {
    expect(credentialParam({ limit: '1', Api_Key: 'x' })).toBe('Api_Key');
    try {
      refuseQueryCredential({ key: 'sk-x' });
      expect.fail('not refused');
    } catch (e) {
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).status).toBe(400);
      expect((e as AppError).message).toContain('"key"');
      expect((e as AppError).message).toContain('Authorization: Bearer');
    }
  });

  it('lets a query without a credential through', () => {
    expect(() => refuseQueryCredential({ limit: '5', email: 'a@b.c' })).not.toThrow();
    expect(() => refuseQueryCredential(undefined)).not.toThrow();
  });
});
