import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSpKeyPair } from '../../src/sso/saml/keys.js';
import { dialects } from '../support/db.js';
import { expectError, expectStatus } from '../support/json.js';
import { RP_BASE } from '../support/oidc-idp/flow.js';
import { type SsoTestApp, ssoTestApp } from '../support/oidc-idp/gatehouse.js';
import { samlSignIn } from '../support/saml-idp/gatehouse.js';
import {
  OKTA_USERS,
  type SamlIdp,
  samlIdpUnavailable,
  startSamlIdp,
} from '../support/saml-idp/index.js';

/**
 * SAML connections through `/api/v1/sso/connections`: made with an SP key pair of their own
 * (stored sealed, never returned), their SP metadata served, Test connection answering about
 * the IdP's metadata and certificates, key rotation publishing old and new, and sign-in working.
 */
const unavailable = samlIdpUnavailable();
if (unavailable) console.warn(`SAML connection API tests skipped: ${unavailable}`);

const DAY = 86_400_000;
let idp: SamlIdp;
beforeAll(async () => {
  if (unavailable) return;
  idp = await startSamlIdp({
    flavor: 'okta',
    sps: [
      {
        entityId: `${RP_BASE}/sso/api-saml/metadata`,
        acsUrl: `${RP_BASE}/sso/api-saml/acs`,
        signing: 'assertion-only',
      },
    ],
  });
});
afterAll(async () => idp?.stop());

interface Presented {
  id: string;
  sp_private_key: string | null;
  sp_certificate?: string;
  sp_previous_private_key?: string | null;
  sp_previous_certificate?: string;
  acs_url: string;
  entity_id: string;
  metadata_url: string;
  want_assertions_signed: boolean;
  want_response_signed: boolean;
}
interface TestAnswer {
  status: 'ok' | 'warning' | 'error';
  checks: { check: string; status: string; message: string }[];
}

const body = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  type: 'saml',
  display_name: 'Okta (SAML)',
  idp_metadata_url: idp.metadataUrl,
  ...extra,
});
const certBody = (pem: string) => pem.replace(/-----[A-Z ]+-----|\s/g, '');

describe.skipIf(unavailable !== null).each(dialects())(
  'SAML connections through the management API (%s)',
  (dialect) => {
    let t: SsoTestApp;
    beforeAll(async () => {
      t = await ssoTestApp(dialect, {});
    });
    afterAll(async () => t?.close());

    const create = (payload: Record<string, unknown>) =>
      t.call({ method: 'POST', url: '/api/v1/sso/connections', payload });
    const test = async (id: string) =>
      expectStatus<TestAnswer>(
        await t.call({ method: 'POST', url: `/api/v1/sso/connections/${id}/test`, payload: {} }),
        200,
      );

    it('create: an SP key pair is made, the private key stored sealed and shown only as "set"', async () => {
      const made = expectStatus<Presented>(await create(body('api-saml')), 201);
      expect(made).toMatchObject({
        sp_private_key: 'set',
        acs_url: `${RP_BASE}/sso/api-saml/acs`,
        entity_id: `${RP_BASE}/sso/api-saml/metadata`,
        metadata_url: `${RP_BASE}/sso/api-saml/metadata`,
        want_assertions_signed: true,
        want_response_signed: false,
      });
      expect(made.sp_certificate).toContain('BEGIN CERTIFICATE');
      const got = expectStatus<Presented>(
        await t.call({ method: 'GET', url: '/api/v1/sso/connections/api-saml' }),
        200,
      );
      expect(got.sp_private_key).toBe('set');
      const raw = JSON.stringify(
        await t.db.kysely.selectFrom('sso_connections').selectAll().execute(),
      );
      expect(raw).not.toContain('PRIVATE KEY');
      // The published certificate is the one made for this connection.
      const xml = await (await fetch(t.at('/sso/api-saml/metadata'))).text();
      expect(xml.replace(/\s/g, '')).toContain(certBody(made.sp_certificate ?? ''));
    });

    it('a connection made through the API signs people in', async () => {
      const r = await samlSignIn(t, '/sso/api-saml/login', OKTA_USERS.alice);
      expect(r.status, r.body.slice(0, 300)).toBe(302);
      expect(r.session).not.toBeNull();
    });

    it('Test connection: metadata reachable and valid, certificates with expiry, SP URLs', async () => {
      const r = await test('api-saml');
      expect(r.status).toBe('ok');
      expect(r.checks.map((c) => [c.check, c.status])).toEqual([
        ['sp_urls', 'ok'],
        ['idp_metadata', 'ok'],
        ['idp_certificate', 'ok'],
        ['sp_key', 'ok'],
      ]);
      expect(r.checks[0]?.message).toContain(`${RP_BASE}/sso/api-saml/acs`);
      expect(r.checks[1]?.message).toContain(idp.entityId);
      expect(r.checks[2]?.message).toContain(idp.key.fingerprintSha256);
    });

    it('Test connection: a certificate expiring within 30 days warns, an expired one is an error', async () => {
      const soon = generateSpKeyPair({ commonName: 'soon', validDays: 10 });
      const gone = generateSpKeyPair({
        commonName: 'gone',
        validDays: 1,
        now: new Date(Date.now() - 5 * DAY),
      });
      const manual = (id: string, cert: string) =>
        body(id, {
          idp_metadata_url: undefined,
          idp_sso_url: idp.ssoUrl,
          idp_entity_id: idp.entityId,
          idp_certificates: [cert],
        });
      expectStatus(await create(manual('saml-soon', soon.certificatePem)), 201);
      expectStatus(await create(manual('saml-gone', gone.certificatePem)), 201);
      const w = await test('saml-soon');
      expect(w.status).toBe('warning');
      expect(w.checks.find((c) => c.check === 'idp_certificate')?.message).toContain(
        'within 30 days',
      );
      const e = await test('saml-gone');
      expect(e.status).toBe('error');
      expect(e.checks.find((c) => c.check === 'idp_certificate')?.message).toContain('expired');
    });

    it('Test connection: unreachable metadata URL is an error naming it', async () => {
      expectStatus(
        await create(body('saml-down', { idp_metadata_url: 'http://127.0.0.1:9/metadata' })),
        201,
      );
      const r = await test('saml-down');
      expect(r.status).toBe('error');
      expect(r.checks.find((c) => c.check === 'idp_metadata')?.message).toContain(
        'http://127.0.0.1:9/metadata',
      );
    });

    it('refuses a connection that requires neither signature, and os.environ/ for the SP key', async () => {
      const a = expectError(
        await create(body('saml-bad', { want_assertions_signed: false })),
        422,
        'validation_failed',
      );
      expect(JSON.stringify(a.details)).toContain('cannot both be false');
      expectError(
        await create(body('saml-env', { sp_private_key: 'os.environ/KEY', sp_certificate: 'x' })),
        422,
        'validation_failed',
      );
    });

    it('refuses an IdP certificate that does not parse, naming which; nothing is stored', async () => {
      const manual = {
        id: 'saml-cert',
        type: 'saml',
        idp_sso_url: 'https://login.example/saml2',
        idp_entity_id: 'https://sts.example/t/',
        idp_certificates: [
          idp.key.certificatePem,
          '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
        ],
      };
      const e = expectError(await create(manual), 422, 'validation_failed');
      expect(e.details).toEqual([
        { path: 'idp_certificates.1', message: 'is not a valid X.509 certificate (PEM or base64)' },
      ]);
      expectError(
        await t.call({ method: 'GET', url: '/api/v1/sso/connections/saml-cert' }),
        404,
        'not_found',
      );
      // The same certificates, each valid, are accepted: base64 without the PEM lines too.
      const ok = { ...manual, idp_certificates: [certBody(idp.key.certificatePem)] };
      expect((await create(ok)).statusCode).toBe(201);
    });

    it('rotate-sp-key: the new certificate is published next to the old; PATCH retires the old', async () => {
      const before = expectStatus<Presented>(
        await t.call({ method: 'GET', url: '/api/v1/sso/connections/api-saml' }),
        200,
      );
      const rotated = expectStatus<Presented>(
        await t.call({
          method: 'POST',
          url: '/api/v1/sso/connections/api-saml/rotate-sp-key',
          payload: {},
        }),
        200,
      );
      expect(rotated.sp_certificate).not.toBe(before.sp_certificate);
      expect(rotated.sp_previous_certificate).toBe(before.sp_certificate);
      expect(rotated.sp_previous_private_key).toBe('set');
      let xml = (await (await fetch(t.at('/sso/api-saml/metadata'))).text()).replace(/\s/g, '');
      expect(xml).toContain(certBody(rotated.sp_certificate ?? ''));
      expect(xml).toContain(certBody(before.sp_certificate ?? ''));
      expectStatus(
        await t.call({
          method: 'PATCH',
          url: '/api/v1/sso/connections/api-saml',
          payload: { sp_previous_private_key: null, sp_previous_certificate: null },
        }),
        200,
      );
      xml = (await (await fetch(t.at('/sso/api-saml/metadata'))).text()).replace(/\s/g, '');
      expect(xml).toContain(certBody(rotated.sp_certificate ?? ''));
      expect(xml).not.toContain(certBody(before.sp_certificate ?? ''));
      // Rotation is for SAML only.
      expectError(
        await t.call({
          method: 'POST',
          url: '/api/v1/sso/connections/nope/rotate-sp-key',
          payload: {},
        }),
        404,
        'not_found',
      );
    });
  },
);
