import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SsoTestApp, ssoTestApp } from '../support/oidc-idp/gatehouse.js';

/**
 * Red team: text injection through the sign-in error page. Anyone can make a browser POST a
 * SAMLResponse to /sso/{id}/acs (an auto-submitting form on any site). The refusals made before
 * any signature is checked (no sign-in started for InResponseTo, a non-Success status) quoted
 * the unsigned InResponseTo and StatusCode values, so an attacker's sentence ("call IT support
 * at …") appeared on Gatehouse's own page. Escaped, so no script, but still the attacker's words.
 */
const METADATA = readFileSync('src/sso/saml/fixtures/okta-idp-metadata.xml', 'utf8');
const PHISH = 'Your session expired. Call IT support at +1-555-0100 to restore access';

const response = (attrs: string, status: string) =>
  Buffer.from(
    `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_r1" Version="2.0" IssueInstant="2026-01-01T00:00:00Z"${attrs}><samlp:Status><samlp:StatusCode Value="${status}"/></samlp:Status></samlp:Response>`,
  ).toString('base64');

describe('red team: unsigned values reflected on the sign-in error page', () => {
  let t: SsoTestApp;
  beforeAll(async () => {
    t = await ssoTestApp('sqlite', {});
    const made = await t.call({
      method: 'POST',
      url: '/api/v1/sso/connections',
      payload: {
        id: 'reflect',
        type: 'saml',
        idp_metadata_xml: METADATA,
        allow_idp_initiated: true,
      },
    });
    expect(made.statusCode, made.body).toBe(201);
  });
  afterAll(async () => t?.close());

  const post = async (samlResponse: string) => {
    const res = await fetch(t.at('/sso/reflect/acs'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ SAMLResponse: samlResponse }),
    });
    return { status: res.status, body: await res.text() };
  };

  it('attack: a sentence as InResponseTo is not shown on the page', async () => {
    const r = await post(
      response(` InResponseTo="${PHISH}"`, 'urn:oasis:names:tc:SAML:2.0:status:Success'),
    );
    expect(r.status).toBe(400);
    expect(r.body).toMatch(/sign-in|AuthnRequest/i);
    expect(r.body).not.toContain('Call IT support');
  });

  it('attack: a sentence as the StatusCode is not shown on the page', async () => {
    const r = await post(response('', `urn:oasis:names:tc:SAML:2.0:status:${PHISH}`));
    expect(r.status).toBe(400);
    expect(r.body).not.toContain('Call IT support');
  });

  it('control: a real status code is still named', async () => {
    const r = await post(response('', 'urn:oasis:names:tc:SAML:2.0:status:Responder'));
    expect(r.status).toBe(400);
    expect(r.body).toContain('Responder');
  });
});
