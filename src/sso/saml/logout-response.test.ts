import { sign } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { generateSpKeyPair, type SpKeyPair } from './keys.js';
import { validateLogoutResponse } from './logout-response.js';
import { DEFAULT_POLICY, type SamlConnection } from './types.js';

const idpKey = generateSpKeyPair({ commonName: 'idp' });
const otherKey = generateSpKeyPair({ commonName: 'attacker' });
const NOW = new Date('2026-03-01T10:00:00Z');
const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const RSA_SHA1 = 'http://www.w3.org/2000/09/xmldsig#rsa-sha1';

const conn: SamlConnection = {
  id: 'okta',
  sp: {
    entityId: 'https://gh.example/sso/okta/metadata',
    acsUrl: 'https://gh.example/sso/okta/acs',
    sloUrl: 'https://gh.example/sso/okta/slo',
    signingKeys: [],
    encryptionKeys: [],
    nameIdFormat: null,
  },
  idp: {
    entityId: 'http://www.okta.com/exk1',
    ssoUrl: 'https://acme.okta.com/sso',
    sloUrl: 'https://acme.okta.com/slo',
    certificates: [idpKey.certificatePem],
  },
  policy: DEFAULT_POLICY,
};

const logoutResponse = (over: { issuer?: string; status?: string; inResponseTo?: string } = {}) =>
  `<samlp:LogoutResponse xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_lr1" Version="2.0" IssueInstant="2026-03-01T09:59:58Z" Destination="https://gh.example/sso/okta/slo" InResponseTo="${over.inResponseTo ?? '_req1'}"><saml:Issuer>${over.issuer ?? 'http://www.okta.com/exk1'}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:${over.status ?? 'Success'}"/></samlp:Status></samlp:LogoutResponse>`;

/** The query an IdP redirects with: deflate, base64, URL-encode, then sign the encoded bytes. */
function redirectQuery(xml: string, key: SpKeyPair | null, alg = RSA_SHA256, relayState = '/bye') {
  const enc = encodeURIComponent;
  let q = `SAMLResponse=${enc(deflateRawSync(Buffer.from(xml)).toString('base64'))}&RelayState=${enc(relayState)}&SigAlg=${enc(alg)}`;
  if (key) {
    const hash = alg === RSA_SHA1 ? 'sha1' : 'sha256';
    q += `&Signature=${enc(sign(hash, Buffer.from(q), key.privateKeyPem).toString('base64'))}`;
  }
  return q;
}

const check = (q: string, c: SamlConnection = conn) =>
  validateLogoutResponse(c, q, { expectedRequestId: '_req1', now: NOW });

describe('LogoutResponse validation (HTTP-Redirect)', () => {
  it('accepts a LogoutResponse signed by the IdP, answering our request', () => {
    expect(check(redirectQuery(logoutResponse(), idpKey))).toEqual({
      ok: true,
      relayState: '/bye',
    });
  });

  it('attack: unsigned logout response is refused', () => {
    expect(check(redirectQuery(logoutResponse(), null))).toMatchObject({
      check: 'response_signature',
    });
  });

  it('attack: logout response signed with another key is refused', () => {
    expect(check(redirectQuery(logoutResponse(), otherKey))).toMatchObject({
      check: 'response_signature',
    });
  });

  it('attack: RelayState changed after signing is refused', () => {
    const q = redirectQuery(logoutResponse(), idpKey).replace(
      'RelayState=%2Fbye',
      'RelayState=%2Fevil',
    );
    expect(check(q)).toMatchObject({ check: 'response_signature' });
  });

  it('attack: a parameter sent twice is refused (no choosing which one was signed)', () => {
    const q = `${redirectQuery(logoutResponse(), idpKey)}&RelayState=%2Fevil`;
    expect(check(q)).toMatchObject({ check: 'malformed' });
  });

  it('SHA-1 signature refused unless the connection allows it', () => {
    const q = redirectQuery(logoutResponse(), idpKey, RSA_SHA1);
    expect(check(q)).toMatchObject({ check: 'weak_algorithm' });
    expect(check(q, { ...conn, policy: { ...DEFAULT_POLICY, allowSha1: true } })).toMatchObject({
      ok: true,
    });
  });

  it('wrong issuer, another request, or a failed status are refused', () => {
    expect(check(redirectQuery(logoutResponse({ issuer: 'http://evil' }), idpKey))).toMatchObject({
      check: 'issuer',
    });
    expect(check(redirectQuery(logoutResponse({ inResponseTo: '_x' }), idpKey))).toMatchObject({
      check: 'in_response_to',
    });
    expect(check(redirectQuery(logoutResponse({ status: 'Requester' }), idpKey))).toMatchObject({
      check: 'status',
    });
  });

  it('entra: the logout issuer may differ from the entity id when the connection says so', () => {
    const entra = {
      ...conn,
      idp: { ...conn.idp, sloIssuer: 'https://login.microsoftonline.com/tid/' },
    };
    const q = redirectQuery(
      logoutResponse({ issuer: 'https://login.microsoftonline.com/tid/' }),
      idpKey,
    );
    expect(check(q, entra)).toMatchObject({ ok: true });
    expect(check(q)).toMatchObject({ check: 'issuer' });
  });
});
