import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samlStateStore } from '../../src/access/saml-state.js';
import { acceptSamlResponse } from '../../src/sso/saml/acs.js';
import { PRESETS } from '../../src/sso/saml/attributes.js';
import { buildAuthnRequest } from '../../src/sso/saml/authn-request.js';
import { parseIdpMetadata } from '../../src/sso/saml/idp-metadata.js';
import { generateSpKeyPair } from '../../src/sso/saml/keys.js';
import { buildLogoutRequest } from '../../src/sso/saml/logout.js';
import { validateLogoutResponse } from '../../src/sso/saml/logout-response.js';
import type { SamlConnection } from '../../src/sso/saml/types.js';
import { type TestDb, testDb } from '../support/db.js';
import {
  Browser,
  connectionFor,
  ENTRA_ENTITY_ID,
  ENTRA_GROUPS,
  ENTRA_TENANT_ID,
  ENTRA_USERS,
  type IdpFlavor,
  type IdpUser,
  idpInitiatedLogin,
  loginAt,
  OKTA_ENTITY_ID,
  OKTA_USERS,
  type SamlIdp,
  type SigningMode,
  type SpRegistration,
  samlIdpUnavailable,
  startSamlIdp,
} from '../support/saml-idp/index.js';

const unavailable = samlIdpUnavailable();
if (unavailable) console.warn(`SAML interop tests skipped: ${unavailable}`);

const spKey = generateSpKeyPair({ commonName: 'Gatehouse test SP signing' });
const encKey = generateSpKeyPair({ commonName: 'Gatehouse test SP encryption' });

const BASE = 'https://gatehouse.acme.example/sso';
const MODES: SigningMode[] = ['response-and-assertion', 'assertion-only', 'response-only'];
const sp = (
  flavor: IdpFlavor,
  name: string,
  extra: Partial<SpRegistration> = {},
): SpRegistration => ({
  entityId: `${BASE}/${flavor}-${name}/metadata`,
  acsUrl: `${BASE}/${flavor}-${name}/acs`,
  signing: 'assertion-only',
  ...extra,
});
const spsFor = (flavor: IdpFlavor) =>
  ({
    ...Object.fromEntries(MODES.map((m) => [m, sp(flavor, m, { signing: m })])),
    encrypted: sp(flavor, 'encrypted', { encryptTo: encKey.certificatePem }),
    signedRequests: sp(flavor, 'signed', {
      requireSignedRequests: spKey.certificatePem,
      sloUrl: `${BASE}/${flavor}-signed/slo`,
    }),
  }) as Record<SigningMode | 'encrypted' | 'signedRequests', SpRegistration>;

let db: TestDb;
let store: ReturnType<typeof samlStateStore>;
const BROWSER = 'browser-binding-secret';

/** What the later /login + /acs routes do, with the real database store in between. */
async function signIn(conn: SamlConnection, user: IdpUser, flavor: IdpFlavor) {
  const { url, requestId } = await buildAuthnRequest(conn, { relayState: '/ui/keys' });
  await store.saveRequest({
    requestId,
    connectionId: conn.id,
    browserBinding: BROWSER,
    ttlMs: 600_000,
  });
  const posted = await loginAt(url, user.username, user.password);
  expect(posted.action).toBe(conn.sp.acsUrl);
  expect(posted.RelayState).toBe('/ui/keys');
  const result = await acceptSamlResponse(conn, PRESETS[flavor], posted.SAMLResponse, {
    consumeRequest: (id) =>
      store.consumeRequest({ requestId: id, connectionId: conn.id, browserBinding: BROWSER }),
    replay: store.replayCache(conn.id),
    now: new Date(),
  });
  if (!result.ok) throw new Error(`${result.check}: ${result.message}`);
  return result;
}

describe.skipIf(unavailable !== null)('SAML interop with SimpleSAMLphp', () => {
  const idps: Partial<Record<IdpFlavor, SamlIdp>> = {};
  const sps = { okta: spsFor('okta'), entra: spsFor('entra') };

  beforeAll(async () => {
    db = await testDb('sqlite');
    store = samlStateStore(db.kysely, () => new Date());
    const [okta, entra] = await Promise.all([
      startSamlIdp({ flavor: 'okta', sps: Object.values(sps.okta) }),
      startSamlIdp({ flavor: 'entra', sps: Object.values(sps.entra) }),
    ]);
    idps.okta = okta;
    idps.entra = entra;
  });
  afterAll(async () => {
    await Promise.all(Object.values(idps).map((i) => i?.stop()));
    await db?.dispose();
  });
  const idp = (f: IdpFlavor): SamlIdp => {
    const i = idps[f];
    if (!i) throw new Error(`${f} IdP not started`);
    return i;
  };
  const conn = (
    f: IdpFlavor,
    which: keyof ReturnType<typeof spsFor>,
    opts: Parameters<typeof connectionFor>[2] = {},
  ) => connectionFor(idp(f), sps[f][which], { id: `${f}-${which}`, ...opts });

  it("imports each test IdP's metadata with its entity id, redirect SSO/SLO URLs and certificate", async () => {
    for (const [f, entityId] of [
      ['okta', OKTA_ENTITY_ID],
      ['entra', ENTRA_ENTITY_ID],
    ] as const) {
      const r = parseIdpMetadata(await idp(f).metadata());
      if (!r.ok) throw new Error(r.message);
      expect(r.metadata.entityId).toBe(entityId);
      expect(r.metadata.ssoRedirectUrl).toBe(idp(f).ssoUrl);
      expect(r.metadata.sloRedirectUrl).toBe(idp(f).sloUrl);
      expect(r.metadata.signingCertificates.map((c) => c.fingerprintSha256)).toEqual([
        idp(f).key.fingerprintSha256,
      ]);
    }
  });

  for (const mode of MODES) {
    it(`okta-shaped user, ${mode} signed: persistent NameID subject, email, names, group names`, async () => {
      const r = await signIn(await conn('okta', mode), OKTA_USERS.alice, 'okta');
      expect(r.identity).toMatchObject({
        subject: OKTA_USERS.alice.nameId,
        email: 'alice@acme.example',
        givenName: 'Alice',
        familyName: 'Anders',
        displayName: 'Alice Anders',
        groups: [
          { id: null, name: 'Everyone' },
          { id: null, name: 'Gateway-Admins' },
        ],
        groupsComplete: true,
      });
      expect(r.overage).toBeNull();
    });

    it(`entra-shaped user, ${mode} signed: {tid}:{oid} subject, UPN, group GUIDs, app role`, async () => {
      const r = await signIn(await conn('entra', mode), ENTRA_USERS.erin, 'entra');
      expect(r.identity).toMatchObject({
        subject: `${ENTRA_TENANT_ID}:00000000-0000-0000-66f3-3332eca7ea81`,
        email: 'erin@contoso.example',
        userName: 'erin@contoso.onmicrosoft.com',
        displayName: 'Erin Evans',
        groups: [
          { id: ENTRA_GROUPS.admins, name: null },
          { id: ENTRA_GROUPS.engineers, name: null },
        ],
        roles: ['Gateway.Admin'],
        groupsComplete: true,
      });
    });
  }

  it('okta-shaped user with a single group: still a list of one', async () => {
    const r = await signIn(await conn('okta', 'assertion-only'), OKTA_USERS.olga, 'okta');
    expect(r.identity.groups).toEqual([{ id: null, name: 'Everyone' }]);
  });

  it('entra-shaped overage user: groups.link gives no groups and the overage flag with tid/oid', async () => {
    const r = await signIn(await conn('entra', 'assertion-only'), ENTRA_USERS.oscar, 'entra');
    expect(r.identity.groups).toEqual([]);
    expect(r.identity.groupsComplete).toBe(false);
    expect(r.identity.roles).toEqual(['Gateway.User']);
    expect(r.overage).toEqual({
      tenantId: ENTRA_TENANT_ID,
      objectId: '11111111-2222-3333-4444-555555555555',
    });
  });

  for (const f of ['okta', 'entra'] as const) {
    it(`${f}: encrypted assertion decrypts with the SP key (the second of two, as during rotation)`, async () => {
      const oldKey = generateSpKeyPair({ commonName: 'retired encryption key' });
      const c = await conn(f, 'encrypted', { encryptionKeys: [oldKey, encKey] });
      const user = f === 'okta' ? OKTA_USERS.alice : ENTRA_USERS.erin;
      const r = await signIn(c, user, f);
      expect(r.identity.email).toBe(f === 'okta' ? 'alice@acme.example' : 'erin@contoso.example');
    });
  }

  it('signed AuthnRequest: the IdP that requires signed requests accepts ours and refuses an unsigned one', async () => {
    const signed = await conn('okta', 'signedRequests', {
      signingKeys: [spKey],
      policy: { signAuthnRequests: true },
    });
    const r = await signIn(signed, OKTA_USERS.alice, 'okta');
    expect(r.identity.subject).toBe(OKTA_USERS.alice.nameId);
    const unsigned = await conn('okta', 'signedRequests', {
      signingKeys: [spKey],
      policy: { signAuthnRequests: false },
    });
    const { url } = await buildAuthnRequest(unsigned);
    await expect(loginAt(url, 'alice', OKTA_USERS.alice.password)).rejects.toThrow(
      /no signature found on message/,
    );
  });

  it('the IdP checks the password for real: a wrong one gets no response', async () => {
    const { url } = await buildAuthnRequest(await conn('okta', 'assertion-only'));
    await expect(loginAt(url, 'alice', 'wrong-password')).rejects.toThrow(/login form again/);
  });

  it('IdP-initiated login is accepted when the connection allows it, RelayState carried', async () => {
    const c = await conn('entra', 'assertion-only', { policy: { allowIdpInitiated: true } });
    const posted = await idpInitiatedLogin(idp('entra'), c.sp.entityId, ENTRA_USERS.erin, '/ui');
    expect(posted.RelayState).toBe('/ui');
    const r = await acceptSamlResponse(c, PRESETS.entra, posted.SAMLResponse, {
      consumeRequest: async () => ({ ok: false, reason: 'unknown' }),
      replay: store.replayCache(c.id),
      now: new Date(),
    });
    expect(r.ok && r.identity.subject).toBe(
      `${ENTRA_TENANT_ID}:00000000-0000-0000-66f3-3332eca7ea81`,
    );
  });

  it('SP-initiated single logout: the IdP accepts our signed LogoutRequest; its signed LogoutResponse validates', async () => {
    const c = await conn('okta', 'signedRequests', {
      signingKeys: [spKey],
      policy: { signAuthnRequests: true },
    });
    const browser = new Browser();
    const { url } = await buildAuthnRequest(c);
    const posted = await browser.login(url, 'alice', OKTA_USERS.alice.password);
    const verified = await acceptSamlResponse(c, PRESETS.okta, posted.SAMLResponse, {
      consumeRequest: async () => ({ ok: true }),
      replay: store.replayCache(c.id),
      now: new Date(),
    });
    if (!verified.ok) throw new Error(verified.message);
    const { nameId, sessionIndex } = verified.assertion;
    if (!nameId) throw new Error('no NameID');
    const logout = await buildLogoutRequest(c, { nameId, sessionIndex, relayState: '/bye' });
    if (!logout.ok) throw new Error(logout.message);
    const page = await browser.request(logout.url);
    expect(page.location).toBeDefined();
    const location = page.location ?? '';
    const back = new URL(location);
    expect(`${back.origin}${back.pathname}`).toBe(c.sp.sloUrl);
    const rawQuery = location.slice(location.indexOf('?') + 1);
    const answer = validateLogoutResponse(c, rawQuery, {
      expectedRequestId: logout.requestId,
      now: new Date(),
    });
    expect(answer).toEqual({ ok: true, relayState: '/bye' });
    // The same answer to another request is not ours.
    expect(
      validateLogoutResponse(c, rawQuery, { expectedRequestId: '_other', now: new Date() }),
    ).toMatchObject({ ok: false, check: 'in_response_to' });
  });
});
