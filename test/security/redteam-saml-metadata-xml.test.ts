import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from '../support/app.js';
import { dialects } from '../support/db.js';
import { expectError, expectStatus } from '../support/json.js';

/**
 * Red team: pasted IdP metadata (`idp_metadata_xml`) that is an XML bomb, not XML at all, or
 * metadata without an IdP. It used to be stored as given (201), and the connection then silently
 * vanished from /sso (404 at sign-in): a 2xx for a write that cannot work. It must be a 422
 * naming the field, and nothing stored.
 */
const METADATA = readFileSync('src/sso/saml/fixtures/okta-idp-metadata.xml', 'utf8');
const BOMB = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="&lol3;"/>`;
const XXE = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="&xxe;"/>`;
const NOT_IDP = `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://sp.example"/>`;

describe.each(dialects())('red team: pasted IdP metadata (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp(
      dialect,
      {},
      { env: { GATEHOUSE_SECRET: 'redteam-saml-secret-0123456789abcdef' } },
    );
  });
  afterAll(async () => t?.close());

  it('control: real IdP metadata is accepted', async () => {
    const r = await t.call({
      method: 'POST',
      url: '/api/v1/sso/connections',
      payload: { id: 'pasted-ok', type: 'saml', idp_metadata_xml: METADATA },
    });
    expectStatus(r, 201);
  });

  for (const [name, xml] of [
    ['an entity-expansion bomb', BOMB],
    ['an external entity (XXE)', XXE],
    ['text that is not XML', 'not xml at all'],
    ['metadata without an IdP', NOT_IDP],
  ] as const) {
    it(`attack: ${name} is refused with 422 on create and on patch, nothing stored`, async () => {
      const made = await t.call({
        method: 'POST',
        url: '/api/v1/sso/connections',
        payload: { id: 'pasted-bad', type: 'saml', idp_metadata_xml: xml },
      });
      const err = expectError(made, 422, 'validation_failed');
      expect(JSON.stringify(err)).toContain('idp_metadata_xml');
      expect(made.body).not.toContain('root:');
      const gone = await t.call({ method: 'GET', url: '/api/v1/sso/connections/pasted-bad' });
      expect(gone.statusCode).toBe(404);

      const patched = await t.call({
        method: 'PATCH',
        url: '/api/v1/sso/connections/pasted-ok',
        payload: { idp_metadata_xml: xml },
      });
      expectError(patched, 422, 'validation_failed');
      const kept = expectStatus<{ idp_metadata_xml: string }>(
        await t.call({ method: 'GET', url: '/api/v1/sso/connections/pasted-ok' }),
        200,
      );
      expect(kept.idp_metadata_xml).toBe(METADATA);
    });
  }
});
