import { describe, expect, it } from 'vitest';
import { ERROR_PAGE_CSP, escapeHtml, newReference, renderSignInErrorPage } from './error-page.js';

describe('sign-in error page', () => {
  it('says what went wrong, names the connection and gives the reference', () => {
    const page = renderSignInErrorPage({
      message: 'The identity provider is not reachable right now.',
      reference: 'AB12-CD34-EF56',
      connectionName: 'Okta',
      retryUrl: '/sso/okta/login',
    });
    expect(page.status).toBe(400);
    expect(page.body).toContain('The identity provider is not reachable right now.');
    expect(page.body).toContain('AB12-CD34-EF56');
    expect(page.body).toContain('Signing in with Okta');
    expect(page.body).toContain('href="/sso/okta/login"');
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cache-control']).toBe('no-store');
  });

  it('sends a CSP that allows no script, no framing and no foreign forms', () => {
    const page = renderSignInErrorPage({ message: 'x', reference: 'r' });
    const csp = page.headers['content-security-policy'];
    expect(csp).toBe(ERROR_PAGE_CSP);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).not.toMatch(/script-src/);
    expect(page.body).not.toMatch(/<script/i);
  });

  it('html injection: escapes every interpolated value', () => {
    const page = renderSignInErrorPage({
      title: '<img src=x onerror=alert(1)>',
      message: '"><script>alert(document.cookie)</script>',
      reference: "'><svg onload=alert(1)>",
      connectionName: '<b>Okta</b>',
    });
    expect(page.body).not.toContain('<script>alert');
    expect(page.body).not.toContain('<img src=x');
    expect(page.body).not.toContain('<svg');
    expect(page.body).not.toContain('<b>Okta</b>');
    expect(page.body).toContain('&lt;script&gt;alert(document.cookie)&lt;/script&gt;');
    expect(page.body).toContain('&lt;b&gt;Okta&lt;/b&gt;');
  });

  it('link injection: a retry URL that is not a same-origin path is left out', () => {
    for (const retryUrl of [
      'https://evil.example/',
      '//evil.example',
      'javascript:alert(1)',
      '/\\evil',
    ]) {
      const page = renderSignInErrorPage({ message: 'x', reference: 'r', retryUrl });
      expect(page.body).not.toContain('Try again');
      expect(page.body).not.toContain('evil');
    }
  });

  it('escapes the characters that matter in text and attributes', () => {
    expect(escapeHtml(`&<>"'\``)).toBe('&amp;&lt;&gt;&quot;&#39;&#96;');
  });

  it('makes distinct, readable references', () => {
    const refs = new Set(Array.from({ length: 200 }, () => newReference()));
    expect(refs.size).toBe(200);
    for (const r of refs) expect(r).toMatch(/^[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}$/);
  });
});
