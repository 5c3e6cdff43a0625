import { describe, expect, it } from 'vitest';
import { isAppError } from '../../errors/catalogue.js';
import { parseJsonBody, requireBody } from './body.js';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (isAppError(e)) return e.code;
    throw e;
  }
  return 'no error';
}

describe('SCIM request bodies', () => {
  it('parses JSON and treats an empty body as none', () => {
    expect(parseJsonBody('{"userName":"a"}')).toEqual({ userName: 'a' });
    expect(parseJsonBody('')).toBeUndefined();
    expect(parseJsonBody('  \n')).toBeUndefined();
  });

  it('malformed JSON is invalid_syntax, naming the problem', () => {
    expect(codeOf(() => parseJsonBody('{"acve": tre'))).toBe('invalid_syntax');
    try {
      parseJsonBody('{"a":');
    } catch (e) {
      expect((e as Error).message).toMatch(/^The body is not valid JSON: /);
    }
  });

  it('prototype pollution: __proto__ and constructor.prototype keys refuse the body', () => {
    expect(codeOf(() => parseJsonBody('{"__proto__": {"admin": true}}'))).toBe('invalid_syntax');
    expect(codeOf(() => parseJsonBody('{"a": {"constructor": {"prototype": {"x": 1}}}}'))).toBe(
      'invalid_syntax',
    );
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    expect(parseJsonBody('{"constructor": "fine"}')).toEqual({ constructor: 'fine' });
  });

  it('a write without a body is invalid_syntax', () => {
    expect(codeOf(() => requireBody(undefined))).toBe('invalid_syntax');
    expect(requireBody(null)).toBeNull();
  });
});
