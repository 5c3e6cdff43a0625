import { describe, expect, it } from 'vitest';
import { DEFAULT_RETURN_TO, safeReturnTo } from './return-to.js';

describe('safeReturnTo', () => {
  it.each([
    ['/ui/', '/ui/'],
    ['/ui/teams', '/ui/teams'],
    ['/ui/teams/t1?tab=members#keys', '/ui/teams/t1?tab=members#keys'],
    ['/ui/search?q=a%20b', '/ui/search?q=a%20b'],
    ['/ui', '/ui/'],
  ])('keeps the UI path %s', (input, expected) => {
    expect(safeReturnTo(input)).toBe(expected);
  });

  it.each([
    ['nothing', undefined],
    ['a number', 42],
    ['an empty string', ''],
    ['an absolute URL', 'https://evil.example/ui/'],
    ['a scheme-relative URL', '//evil.example/ui/'],
    ['a backslash host', '/\\evil.example/ui/'],
    ['a backslash inside', '/ui/\\\\evil.example'],
    ['a javascript: URL', 'javascript:alert(1)'],
    ['a data: URL', 'data:text/html,<script>alert(1)</script>'],
    ['a path outside the UI', '/api/v1/keys'],
    ['a prefix trick', '/uix/evil'],
    ['an encoded slash', '/ui/%2F%2Fevil.example'],
    ['an encoded backslash', '/ui/%5Cevil.example'],
    ['a double-encoded slash', '/ui/%252F%252Fevil.example'],
    ['an encoded dot segment', '/ui/%2e%2e/api/v1/keys'],
    ['a dot segment', '/ui/../api/v1/keys'],
    ['a tab (browsers strip it)', '/\t/evil.example'],
    ['a newline', '/ui/\nSet-Cookie: x=1'],
    ['an encoded control character', '/ui/%0d%0aSet-Cookie:x'],
    ['something very long', `/ui/${'a'.repeat(2000)}`],
  ])('refuses %s', (_name, input) => {
    expect(safeReturnTo(input)).toBe(DEFAULT_RETURN_TO);
  });
});
