import { describe, expect, it } from 'vitest';
import { safeLoginUrl, safeNext, signInFailure } from './signin.js';

describe('sign-in page rules', () => {
  it('open redirect: next= outside the app falls back to the dashboard', () => {
    for (const bad of ['https://evil.example/', '//evil.example', '/\\evil.example', 'evil', '']) {
      expect(safeNext(bad)).toBe('/');
    }
    expect(safeNext(null)).toBe('/');
    expect(safeNext('/keys?x=1')).toBe('/keys?x=1');
  });

  it('a failed sign-in shows the reference id and the message, bounded', () => {
    const f = signInFailure(new URLSearchParams({ error: 'ref-123', message: 'x'.repeat(900) }));
    expect(f?.reference).toBe('ref-123');
    expect(f?.message.length).toBe(500);
    expect(signInFailure(new URLSearchParams({ message: 'no reference' }))).toBeNull();
    expect(signInFailure(new URLSearchParams({ error: 'r' }))?.message).toBe('Sign-in failed.');
  });

  it('login URLs: script URLs are never followed', () => {
    const base = 'http://gw.example/ui/sign-in';
    expect(safeLoginUrl('/sso/okta/login', base)).toBe('http://gw.example/sso/okta/login');
    expect(safeLoginUrl('https://gw.example/sso/entra/login', base)).toBe(
      'https://gw.example/sso/entra/login',
    );
    expect(safeLoginUrl('javascript:alert(1)', base)).toBeNull();
    expect(safeLoginUrl('data:text/html,x', base)).toBeNull();
  });
});
