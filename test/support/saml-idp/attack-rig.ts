import { afterAll, beforeAll, expect } from 'vitest';
import { samlStateStore } from '../../../src/access/saml-state.js';
import { buildAuthnRequest } from '../../../src/sso/saml/authn-request.js';
import { generateSpKeyPair } from '../../../src/sso/saml/keys.js';
import { validateSamlResponse } from '../../../src/sso/saml/response.js';
import type { SamlCheck, SamlConnection } from '../../../src/sso/saml/types.js';
import { type TestDb, testDb } from '../db.js';
import { loginAt } from './browser.js';
import type { SpRegistration } from './config.js';
import { decode, encode } from './forge.js';
import { connectionFor } from './index.js';
import { type SamlIdp, startSamlIdp } from './server.js';
import { OKTA_USERS } from './users.js';

/**
 * The setting the attack tests share: a SimpleSAMLphp IdP (Okta-shaped) with the SPs each attack
 * needs, a second IdP for issuer mix-ups, the database-backed state store, and helpers that get
 * a fresh real response and assert a refusal by its named check.
 */

const BASE = 'https://gatehouse.acme.example/sso';
export const ATTACKER_KEY = generateSpKeyPair({ commonName: 'attacker' });
export const SP_ENCRYPTION_KEY = generateSpKeyPair({ commonName: 'Gatehouse test SP encryption' });
export const OTHER_IDP_ENTITY_ID = 'http://www.okta.com/exk2anotherorg0h7';
export const ALICE = OKTA_USERS.alice;

const sp = (
  name: string,
  signing: SpRegistration['signing'],
  extra: Partial<SpRegistration> = {},
): SpRegistration => ({
  entityId: `${BASE}/${name}/metadata`,
  acsUrl: `${BASE}/${name}/acs`,
  signing,
  ...extra,
});

export const SP = {
  both: sp('both', 'response-and-assertion'),
  assertion: sp('main', 'assertion-only'),
  // Another SP at the IdP whose ACS is the same URL: its assertions name another Audience.
  otherAudience: sp('other', 'assertion-only', { acsUrl: `${BASE}/main/acs` }),
  // The IdP still has an old ACS URL for these SPs; Gatehouse's connection has the new one.
  staleAssertion: sp('stale-a', 'assertion-only', { acsUrl: `${BASE}/stale-a/old-acs` }),
  staleBoth: sp('stale-b', 'response-and-assertion', { acsUrl: `${BASE}/stale-b/old-acs` }),
  sha1: sp('sha1', 'assertion-only', { sha1: true }),
  encrypted: sp('enc', 'assertion-only', { encryptTo: SP_ENCRYPTION_KEY.certificatePem }),
} satisfies Record<string, SpRegistration>;

export const CURRENT_ACS = {
  staleAssertion: `${BASE}/stale-a/acs`,
  staleBoth: `${BASE}/stale-b/acs`,
};

export function useAttackRig() {
  let idp: SamlIdp | undefined;
  let otherIdp: SamlIdp | undefined;
  let db: TestDb | undefined;
  let store: ReturnType<typeof samlStateStore> | undefined;

  beforeAll(async () => {
    db = await testDb('sqlite');
    store = samlStateStore(db.kysely, () => new Date());
    [idp, otherIdp] = await Promise.all([
      startSamlIdp({ flavor: 'okta', sps: Object.values(SP) }),
      startSamlIdp({ flavor: 'okta', entityId: OTHER_IDP_ENTITY_ID, sps: [SP.assertion] }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([idp?.stop(), otherIdp?.stop()]);
    await db?.dispose();
  });

  const need = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`${what} not started`);
    return v;
  };
  const rig = {
    idp: () => need(idp, 'IdP'),
    otherIdp: () => need(otherIdp, 'second IdP'),
    store: () => need(store, 'state store'),

    conn: (s: SpRegistration, opts: Parameters<typeof connectionFor>[2] = {}) =>
      connectionFor(rig.idp(), s, { id: s.entityId.split('/').at(-2) ?? 'c', ...opts }),

    /** A real response from SimpleSAMLphp (or `from`) to a real AuthnRequest of `c`. */
    async fresh(c: SamlConnection, from: SamlIdp = rig.idp()) {
      const target = { ...c, idp: { ...c.idp, ssoUrl: from.ssoUrl } };
      const { url, requestId } = await buildAuthnRequest(target);
      const posted = await loginAt(url, ALICE.username, ALICE.password);
      return { xml: decode(posted.SAMLResponse), b64: posted.SAMLResponse, requestId };
    },

    validate: (c: SamlConnection, b64: string, expected: string | null, now = new Date()) =>
      validateSamlResponse(c, b64, {
        expectedInResponseTo: expected,
        now,
        replay: rig.store().replayCache(c.id),
      }),

    /** Asserts the refusal and its check; the sentence must hold no library text or XML. */
    async refused(
      c: SamlConnection,
      input: { xml?: string; b64?: string },
      expected: string | null,
      check: SamlCheck,
      now?: Date,
    ) {
      const r = await rig.validate(c, input.b64 ?? encode(input.xml ?? ''), expected, now);
      expect(r).toMatchObject({ ok: false, check });
      expect(r.ok ? '' : r.message).not.toMatch(/<|xmldom|xml-crypto|Error:/);
      return r;
    },
  };
  return rig;
}
