import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/db.js';
import { TestBrowser } from '../support/oidc-idp/browser.js';
import { RP_BASE } from '../support/oidc-idp/flow.js';
import { type SsoTestApp, ssoTestApp } from '../support/oidc-idp/gatehouse.js';
import { decode, encode, stripSignatures } from '../support/saml-idp/forge.js';
import { formOf, postForm, samlSignIn } from '../support/saml-idp/gatehouse.js';
import {
  Browser,
  OKTA_USERS,
  type SamlIdp,
  samlIdpUnavailable,
  startSamlIdp,
} from '../support/saml-idp/index.js';

/**
 * IdP certificate rollover with a metadata URL: when the IdP starts signing with a new key, the
 * first response that does not verify makes Gatehouse refetch the metadata (at most once an
 * hour) and check the response again, so the person signing in sees no failure.
 */
const unavailable = samlIdpUnavailable();
if (unavailable) console.warn(`SAML rollover tests skipped: ${unavailable}`);

const SP = {
  entityId: `${RP_BASE}/sso/roll/metadata`,
  acsUrl: `${RP_BASE}/sso/roll/acs`,
  signing: 'assertion-only' as const,
};

// Two SimpleSAMLphp instances with the same entity id and different keys: before and after.
let before: SamlIdp;
let after: SamlIdp;
let published = '';
let hits = 0;
let server: Server;
let metadataUrl = '';

beforeAll(async () => {
  if (unavailable) return;
  [before, after] = await Promise.all([
    startSamlIdp({ flavor: 'okta', sps: [SP] }),
    startSamlIdp({ flavor: 'okta', sps: [SP] }),
  ]);
  published = await before.metadata();
  server = createServer((_req, res) => {
    hits += 1;
    res.writeHead(200, { 'content-type': 'application/samlmetadata+xml' }).end(published);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  metadataUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metadata`;
});
afterAll(async () => {
  await Promise.all([before?.stop(), after?.stop()]);
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
});

describe.skipIf(unavailable !== null).each(dialects())(
  'IdP certificate rollover (%s)',
  (dialect) => {
    let t: SsoTestApp;
    beforeAll(async () => {
      published = await before.metadata();
      t = await ssoTestApp(dialect, {
        sso: { connections: [{ id: 'roll', type: 'saml', idp_metadata_url: metadataUrl }] },
      });
    });
    afterAll(async () => t?.close());

    it('a response signed with the new key is accepted after one refetch; forgeries do not refetch again', async () => {
      const start = hits;
      const first = await samlSignIn(t, '/sso/roll/login', OKTA_USERS.alice);
      expect(first.status, first.body.slice(0, 300)).toBe(302);
      expect(hits - start).toBe(1);

      // The IdP rolls over: its metadata now has the new certificate only.
      published = await after.metadata();
      const browser = new TestBrowser();
      const login = await browser.request(t.at('/sso/roll/login'));
      const location = login.headers.get('location') ?? '';
      await login.body?.cancel();
      // Gatehouse still has the old metadata cached; the "same" IdP now answers with the new key.
      const posted = await new Browser().login(
        location.replace(before.baseUrl, after.baseUrl),
        OKTA_USERS.alice.username,
        OKTA_USERS.alice.password,
      );
      const second = await postForm(t, browser, '/sso/roll/acs', formOf(posted));
      expect(second.status, second.body.slice(0, 300)).toBe(302);
      expect(second.session).not.toBeNull();
      expect(hits - start).toBe(2);

      // An unsigned forgery within the hour is refused without fetching the metadata again.
      const forged = await samlSignIn(t, '/sso/roll/login', OKTA_USERS.alice, {
        tamper: (f) => ({
          ...f,
          SAMLResponse: encode(stripSignatures(decode(f.SAMLResponse ?? ''))),
        }),
      });
      expect(forged.status).toBe(400);
      expect(forged.session).toBeNull();
      expect(hits - start).toBe(2);
    });
  },
);
