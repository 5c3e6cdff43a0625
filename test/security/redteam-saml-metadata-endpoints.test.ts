import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError } from '../support/json.js';
import { type SsoTestApp, ssoTestApp } from '../support/oidc-idp/gatehouse.js';

/**
 * Red team: the IdP sign-on URL from metadata. Entered by hand it must be http(s); read from
 * metadata it was taken as given, so `javascript:` or `data:` became the Location Gatehouse
 * redirects every signing-in browser to. Metadata endpoints must be http(s) URLs too.
 */
const METADATA = readFileSync('src/sso/saml/fixtures/okta-idp-metadata.xml', 'utf8');
const withRedirectSso = (location: string) =>
  METADATA.replace(
    /(<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2\.0:bindings:HTTP-Redirect" Location=")[^"]+/,
    `$1${location}`,
  );

describe('red team: SSO endpoint schemes in IdP metadata', () => {
  let t: SsoTestApp;
  beforeAll(async () => {
    t = await ssoTestApp('sqlite', {});
  });
  afterAll(async () => t?.close());

  for (const location of [
    'javascript:alert(document.domain)',
    'data:text/html,<script>alert(1)</script>',
    '//evil.example/sso',
  ]) {
    it(`attack: SingleSignOnService Location ${location.slice(0, 20)}… is refused, never redirected to`, async () => {
      const xml = withRedirectSso(location);
      expect(xml).not.toBe(METADATA);
      const id = `ep-${Math.random().toString(36).slice(2, 8)}`;
      const r = await t.call({
        method: 'POST',
        url: '/api/v1/sso/connections',
        payload: { id, type: 'saml', idp_metadata_xml: xml },
      });
      expectError(r, 422, 'validation_failed');
      const login = await fetch(t.at(`/sso/${id}/login`), { redirect: 'manual' });
      expect(login.headers.get('location') ?? '').not.toMatch(/^(javascript|data):|^\/\//);
    });
  }
});
