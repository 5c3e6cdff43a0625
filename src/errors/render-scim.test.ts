import { describe, expect, it } from 'vitest';
import { scimmyFixture } from '../../test/support/scimmy.js';
import { AppError, ERROR_CATALOGUE, type ErrorCode } from './catalogue.js';
import { renderScimError, scimTypeFits } from './render.js';

interface Pair {
  status: string;
  scimType: string;
}
const fixture = scimmyFixture<{
  inbound: Record<string, unknown>[];
  outbound: { valid: Pair[]; invalid: Pair[] };
}>('error.json');

describe('SCIM error bodies (RFC 7644 §3.12)', () => {
  it('SCIMMY error.json: valid status/scimType pairs fit, invalid ones do not', () => {
    for (const p of fixture.outbound.valid)
      expect(scimTypeFits(Number(p.status), p.scimType)).toBe(true);
    for (const p of fixture.outbound.invalid)
      expect(scimTypeFits(Number(p.status), p.scimType)).toBe(false);
  });

  it('has the shape of SCIMMY inbound error messages: schemas, status as a string, scimType, detail', () => {
    const body = renderScimError(new AppError('uniqueness', 'A uniqueness constraint failed'));
    const sample = fixture.inbound[1] as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(Object.keys(sample).sort());
    expect(body).toEqual(sample);
  });

  const scimCodes: [ErrorCode, string][] = [
    ['invalid_filter', 'invalidFilter'],
    ['too_many', 'tooMany'],
    ['uniqueness', 'uniqueness'],
    ['mutability', 'mutability'],
    ['invalid_syntax', 'invalidSyntax'],
    ['invalid_path', 'invalidPath'],
    ['no_target', 'noTarget'],
    ['invalid_value', 'invalidValue'],
    ['conflict', 'uniqueness'],
    ['invalid_request', 'invalidSyntax'],
  ];
  for (const [code, scimType] of scimCodes) {
    it(`${code} → ${ERROR_CATALOGUE[code].status} ${scimType}`, () => {
      const body = renderScimError(new AppError(code, 'why'));
      expect(body).toEqual({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
        status: String(ERROR_CATALOGUE[code].status),
        scimType,
        detail: 'why',
      });
      expect(scimTypeFits(ERROR_CATALOGUE[code].status, scimType)).toBe(true);
    });
  }

  it('codes without a scimType render status and detail only (401, 404, 412, 413, 422, 429, 500)', () => {
    for (const code of [
      'unauthenticated',
      'not_found',
      'precondition_failed',
      'payload_too_large',
      'validation_failed',
      'rate_limited',
      'internal_error',
    ] as const) {
      const body = renderScimError(new AppError(code));
      expect(body.scimType).toBeUndefined();
      expect(body.status).toBe(String(ERROR_CATALOGUE[code].status));
      expect(typeof body.detail).toBe('string');
    }
  });
});
