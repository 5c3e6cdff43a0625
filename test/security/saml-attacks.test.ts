import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { deflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samlStateStore } from '../../src/access/saml-state.js';
import { acceptSamlResponse } from '../../src/sso/saml/acs.js';
import { mapAssertion, PRESETS } from '../../src/sso/saml/attributes.js';
import { buildAuthnRequest } from '../../src/sso/saml/authn-request.js';
import { certificateBody, generateSpKeyPair } from '../../src/sso/saml/keys.js';
import { newMessageId, samlLibrary } from '../../src/sso/saml/library.js';
import { inflateRedirectMessage } from '../../src/sso/saml/redirect-binding.js';
import { validateSamlResponse } from '../../src/sso/saml/response.js';
import type { SamlCheck, SamlConnection } from '../../src/sso/saml/types.js';
import { type TestDb, testDb } from '../support/db.js';
import {
  assertionOf,
  decode,
  encode,
  NS_FORGE,
  ownSignature,
  parse,
  responseOf,
  serialize,
  setNameId,
  signElement,
  stripSignatures,
} from '../support/saml-idp/forge.js';
import {
  Browser,
  connectionFor,
  idpInitiatedLogin,
  loginAt,
  OKTA_USERS,
  type SamlIdp,
  type SpRegistration,
  samlIdpUnavailable,
  startSamlIdp,
} from '../support/saml-idp/index.js';

const unavailable = samlIdpUnavailable();
if (unavailable) console.warn(`SAML attack tests against SimpleSAMLphp skipped: ${unavailable}`);

const BASE = 'https://gatehouse.acme.example/sso';
const attacker = generateSpKeyPair({ commonName: 'attacker' });
const encKey = generateSpKeyPair({ commonName: 'Gatehouse test SP encryption' });

const SP = {
  both: {
    entityId: `${BASE}/both/metadata`,
    acsUrl: `${BASE}/both/acs`,
    signing: 'response-and-assertion',
  },
  assertion: {
    entityId: `${BASE}/main/metadata`,
    acsUrl: `${BASE}/main/acs`,
    signing: 'assertion-only',
  },
  // Another SP at the IdP whose ACS is the same URL: its assertions name another Audience.
  otherAudience: {
    entityId: `${BASE}/other/metadata`,
    acsUrl: `${BASE}/main/acs`,
    signing: 'assertion-only',
  },
  // The IdP still has an old ACS URL for this SP.
  staleAssertion: {
    entityId: `${BASE}/stale-a/metadata`,
    acsUrl: `${BASE}/stale-a/old-acs`,
    signing: 'assertion-only',
  },
  staleBoth: {
    entityId: `${BASE}/stale-b/metadata`,
    acsUrl: `${BASE}/stale-b/old-acs`,
    signing: 'response-and-assertion',
  },
  sha1: {
    entityId: `${BASE}/sha1/metadata`,
    acsUrl: `${BASE}/sha1/acs`,
    signing: 'assertion-only',
    sha1: true,
  },
  encrypted: {
    entityId: `${BASE}/enc/metadata`,
    acsUrl: `${BASE}/enc/acs`,
    signing: 'assertion-only',
    encryptTo: encKey.certificatePem,
  },
} satisfies Record<string, SpRegistration>;

const alice = OKTA_USERS.alice;

describe.skipIf(unavailable !== null)(
  'SAML attacks refused by the core (fixtures from real SimpleSAMLphp responses)',
  () => {
    let idp: SamlIdp;
    let otherIdp: SamlIdp;
    let db: TestDb;
    let store: ReturnType<typeof samlStateStore>;

    beforeAll(async () => {
      db = await testDb('sqlite');
      store = samlStateStore(db.kysely, () => new Date());
      [idp, otherIdp] = await Promise.all([
        startSamlIdp({ flavor: 'okta', sps: Object.values(SP) }),
        startSamlIdp({
          flavor: 'okta',
          entityId: 'http://www.okta.com/exk2anotherorg0h7',
          sps: [SP.assertion],
        }),
      ]);
    });
    afterAll(async () => {
      await Promise.all([idp?.stop(), otherIdp?.stop()]);
      await db?.dispose();
    });

    const conn = (sp: SpRegistration, opts: Parameters<typeof connectionFor>[2] = {}) =>
      connectionFor(idp, sp, { id: sp.entityId.split('/').at(-2) ?? 'c', ...opts });

    /** A real response from SimpleSAMLphp to a real AuthnRequest of `c`. */
    async function fresh(c: SamlConnection, from: SamlIdp = idp) {
      const target = from === idp ? c : { ...c, idp: { ...c.idp, ssoUrl: from.ssoUrl } };
      const { url, requestId } = await buildAuthnRequest(target);
      const posted = await loginAt(url, alice.username, alice.password);
      return { xml: decode(posted.SAMLResponse), b64: posted.SAMLResponse, requestId };
    }

    const validate = (c: SamlConnection, b64: string, expected: string | null, now = new Date()) =>
      validateSamlResponse(c, b64, {
        expectedInResponseTo: expected,
        now,
        replay: store.replayCache(c.id),
      });

    async function refused(
      c: SamlConnection,
      xmlOrB64: { xml?: string; b64?: string },
      expected: string | null,
      check: SamlCheck,
      now?: Date,
    ) {
      const b64 = xmlOrB64.b64 ?? encode(xmlOrB64.xml ?? '');
      const r = await validate(c, b64, expected, now);
      expect(r).toMatchObject({ ok: false, check });
      // The sentence is for an admin: no library text, no XML.
      expect(r.ok ? '' : r.message).not.toMatch(/<|xmldom|xml-crypto|Error:/);
      return r;
    }

    it('baseline: the untouched responses are accepted (so each refusal below is the attack)', async () => {
      for (const sp of [SP.both, SP.assertion]) {
        const c = await conn(sp);
        const { b64, requestId } = await fresh(c);
        expect(await validate(c, b64, requestId)).toMatchObject({ ok: true });
      }
    });

    it('the resolved xml-crypto is a patched version (>= 6.0.1: CVE-2025-29774/29775 fixed)', () => {
      const require = createRequire(import.meta.url);
      const pkg = JSON.parse(readFileSync(require.resolve('xml-crypto/package.json'), 'utf8')) as {
        version: string;
      };
      const [major = 0, minor = 0, patch = 0] = pkg.version.split('.').map(Number);
      expect(major * 1e6 + minor * 1e3 + patch).toBeGreaterThanOrEqual(6_000_001);
    });

    it('attack: unsigned response (every signature stripped) is refused', async () => {
      const c = await conn(SP.both);
      const { xml, requestId } = await fresh(c);
      await refused(c, { xml: stripSignatures(xml) }, requestId, 'assertion_signature');
      const strict = await conn(SP.both, { policy: { wantResponseSigned: true } });
      const again = await fresh(strict);
      await refused(
        strict,
        { xml: stripSignatures(again.xml) },
        again.requestId,
        'response_signature',
      );
    });

    it('attack: value changed after signing (email swapped in the assertion) is refused', async () => {
      const c = await conn(SP.assertion);
      const { xml, requestId } = await fresh(c);
      const forged = xml.replace('>alice@acme.example<', '>mallory@acme.example<');
      expect(forged).not.toBe(xml);
      await refused(c, { xml: forged }, requestId, 'assertion_signature');
    });

    it('attack: value changed after signing in a response-signed message is refused by the Response signature', async () => {
      const c = await conn(SP.both, {
        policy: { wantResponseSigned: true, wantAssertionsSigned: false },
      });
      const { xml, requestId } = await fresh(c);
      await refused(
        c,
        { xml: xml.replace('>Gateway-Admins<', '>Gateway-Owners<') },
        requestId,
        'response_signature',
      );
    });

    it('attack: re-signed with an attacker key carried in KeyInfo is refused (only pinned certificates count)', async () => {
      const c = await conn(SP.both, { policy: { wantResponseSigned: true } });
      const { xml, requestId } = await fresh(c);
      const doc = parse(stripSignatures(xml));
      setNameId(doc, '00u1victimadmin00h7');
      const assertionId = assertionOf(doc).getAttribute('ID') ?? '';
      const responseId = responseOf(doc).getAttribute('ID') ?? '';
      const signed = signElement(
        signElement(serialize(doc), assertionId, attacker),
        responseId,
        attacker,
      );
      expect(signed).toContain(certificateBody(attacker.certificatePem));
      await refused(c, { xml: signed }, requestId, 'response_signature');
      const lax = await conn(SP.both);
      await refused(lax, { xml: signed }, requestId, 'assertion_signature');
    });

    it('attack: signature wrapping — forged assertion inserted before the signed one is refused', async () => {
      const c = await conn(SP.assertion);
      const { xml, requestId } = await fresh(c);
      const doc = parse(xml);
      const signedAssertion = assertionOf(doc);
      const forged = signedAssertion.cloneNode(true) as Element;
      const sig = ownSignature(forged);
      if (sig) forged.removeChild(sig);
      forged.setAttribute('ID', '_forged1');
      signedAssertion.parentNode?.insertBefore(forged, signedAssertion);
      setNameId(doc, '00u1victimadmin00h7');
      await refused(c, { xml: serialize(doc) }, requestId, 'structure');
    });

    it('attack: signature wrapping — signed response inside Extensions of a forged response is refused', async () => {
      const c = await conn(SP.both, { policy: { wantResponseSigned: true } });
      const { xml, requestId } = await fresh(c);
      const doc = parse(xml);
      const original = responseOf(doc);
      const outer = original.cloneNode(true) as Element;
      for (const s of [ownSignature(outer), ownSignature(assertionOf(outer.ownerDocument))]) {
        if (s?.parentNode === outer) outer.removeChild(s);
      }
      outer.setAttribute('ID', '_forgedresponse');
      const forgedAssertion = outer.getElementsByTagNameNS(NS_FORGE.SAML, 'Assertion')[0];
      if (!forgedAssertion) throw new Error('fixture');
      const aSig = ownSignature(forgedAssertion);
      if (aSig) forgedAssertion.removeChild(aSig);
      forgedAssertion.setAttribute('ID', '_forgedassertion');
      const extensions = doc.createElementNS(NS_FORGE.SAMLP, 'samlp:Extensions');
      extensions.appendChild(original.cloneNode(true));
      const issuer = outer.getElementsByTagNameNS(NS_FORGE.SAML, 'Issuer')[0];
      outer.insertBefore(extensions, issuer?.nextSibling ?? null);
      await refused(c, { xml: serialize(outer) }, requestId, 'response_signature');
      const lax = await conn(SP.both);
      await refused(lax, { xml: serialize(outer) }, requestId, 'assertion_signature');
    });

    it('attack: signature wrapping — signed assertion moved into Advice of a forged assertion is refused', async () => {
      const c = await conn(SP.assertion);
      const { xml, requestId } = await fresh(c);
      const doc = parse(xml);
      const signedAssertion = assertionOf(doc);
      const forged = signedAssertion.cloneNode(true) as Element;
      const sig = ownSignature(forged);
      if (sig) forged.removeChild(sig);
      forged.setAttribute('ID', '_forged2');
      const advice = doc.createElementNS(NS_FORGE.SAML, 'saml:Advice');
      advice.appendChild(signedAssertion.cloneNode(true));
      forged.appendChild(advice);
      signedAssertion.parentNode?.replaceChild(forged, signedAssertion);
      setNameId(doc, '00u1victimadmin00h7');
      await refused(c, { xml: serialize(doc) }, requestId, 'assertion_signature');
      // Same shape with the forged assertion keeping the signed ID: the duplicate is refused first.
      forged.setAttribute('ID', signedAssertion.getAttribute('ID') ?? '');
      await refused(c, { xml: serialize(doc) }, requestId, 'duplicate_id');
    });

    it('attack: duplicate IDs — another element carrying the signed assertion ID is refused', async () => {
      const c = await conn(SP.assertion);
      const { xml, requestId } = await fresh(c);
      const doc = parse(xml);
      const id = assertionOf(doc).getAttribute('ID') ?? '';
      const ext = doc.createElementNS(NS_FORGE.SAMLP, 'samlp:Extensions');
      const decoy = doc.createElementNS(NS_FORGE.SAML, 'saml:Assertion');
      decoy.setAttribute('ID', id);
      ext.appendChild(decoy);
      const response = responseOf(doc);
      const issuer = response.getElementsByTagNameNS(NS_FORGE.SAML, 'Issuer')[0];
      response.insertBefore(ext, issuer?.nextSibling ?? null);
      await refused(c, { xml: serialize(doc) }, requestId, 'duplicate_id');
    });

    it('attack: comment inside NameID yields the full NameID, never the part before the comment', async () => {
      const c = await conn(SP.assertion);
      const { xml, requestId } = await fresh(c);
      const forged = xml.replace(`>${alice.nameId}<`, `>00u1gatehouse<!---->alice0h7<`);
      expect(forged).not.toBe(xml);
      const r = await validate(c, encode(forged), requestId);
      if (!r.ok) throw new Error(`${r.check}: ${r.message}`);
      expect(r.assertion.nameId?.value).toBe(alice.nameId);
      const mapped = mapAssertion(r.assertion, PRESETS.okta);
      expect(mapped.ok && mapped.identity.subject).toBe(alice.nameId);
    });

    it('attack: two SignedInfo in one signature (CVE-2025-29774 shape) is refused', async () => {
      const c = await conn(SP.assertion);
      const { xml, requestId } = await fresh(c);
      const doc = parse(xml);
      const sig = ownSignature(assertionOf(doc));
      const signedInfo = sig?.getElementsByTagNameNS(NS_FORGE.DS, 'SignedInfo')[0];
      if (!sig || !signedInfo) throw new Error('fixture');
      const second = signedInfo.cloneNode(true) as Element;
      const ref = second.getElementsByTagNameNS(NS_FORGE.DS, 'Reference')[0];
      ref?.setAttribute('URI', '#_forged3');
      sig.insertBefore(second, signedInfo.nextSibling);
      await refused(c, { xml: serialize(doc) }, requestId, 'signature');
    });

    it('attack: content after the root element (a signed assertion appended) is refused', async () => {
      const c = await conn(SP.assertion);
      const { xml, requestId } = await fresh(c);
      const assertion = serialize(assertionOf(parse(xml)));
      await refused(c, { xml: `${xml}${assertion}` }, requestId, 'structure');
      await refused(c, { xml: `${xml}trailing` }, requestId, 'structure');
    });

    it('attack: wrong Audience (assertion for another SP at the same ACS URL) is refused, naming both', async () => {
      const c = await conn(SP.assertion);
      const issuedFor = await conn(SP.otherAudience);
      const { b64, requestId } = await fresh(issuedFor);
      const r = await refused(c, { b64 }, requestId, 'audience');
      expect(r.ok ? '' : r.message).toBe(
        `Audience is ${SP.otherAudience.entityId}; this connection expects ${SP.assertion.entityId}.`,
      );
    });

    it('attack: wrong Recipient (unsigned Destination rewritten to our ACS) is refused', async () => {
      const acs = `${BASE}/stale-a/acs`;
      const c = await conn(SP.staleAssertion, { acsUrl: acs });
      const { xml, requestId } = await fresh(c);
      const forged = xml.replace(
        `Destination="${SP.staleAssertion.acsUrl}"`,
        `Destination="${acs}"`,
      );
      expect(forged).not.toBe(xml);
      await refused(c, { xml: forged }, requestId, 'recipient');
    });

    it('attack: wrong Destination (signed response issued to another ACS) is refused', async () => {
      const c = await conn(SP.staleBoth, {
        acsUrl: `${BASE}/stale-b/acs`,
        policy: { wantResponseSigned: true },
      });
      const { b64, requestId } = await fresh(c);
      const r = await refused(c, { b64 }, requestId, 'destination');
      expect(r.ok ? '' : r.message).toContain(SP.staleBoth.acsUrl);
    });

    it('attack: a response for connection A posted to connection B is refused', async () => {
      const a = await conn(SP.both);
      const b = await conn(SP.assertion);
      const { b64, requestId } = await fresh(a);
      await refused(b, { b64 }, requestId, 'destination');
    });

    it('attack: wrong Issuer (another IdP whose certificate this connection also trusts) is refused', async () => {
      const c = await conn(SP.assertion, { extraCertificates: [otherIdp.key.certificatePem] });
      const { b64, requestId } = await fresh(c, otherIdp);
      const r = await refused(c, { b64 }, requestId, 'issuer');
      expect(r.ok ? '' : r.message).toContain('http://www.okta.com/exk2anotherorg0h7');
    });

    it('attack: expired assertion (clock past NotOnOrAfter plus tolerance) is refused', async () => {
      const c = await conn(SP.assertion);
      const { b64, requestId } = await fresh(c);
      await refused(c, { b64 }, requestId, 'expired', new Date(Date.now() + 10 * 60_000));
    });

    it('attack: assertion not yet valid (clock before NotBefore minus tolerance) is refused', async () => {
      const c = await conn(SP.assertion);
      const { b64, requestId } = await fresh(c);
      await refused(c, { b64 }, requestId, 'not_yet_valid', new Date(Date.now() - 10 * 60_000));
    });

    it('attack: replayed assertion is refused the second time', async () => {
      const c = await conn(SP.assertion);
      const { b64, requestId } = await fresh(c);
      expect(await validate(c, b64, requestId)).toMatchObject({ ok: true });
      await refused(c, { b64 }, requestId, 'replay');
    });

    it('attack: replayed response through the ACS flow: the request is used up, so the second post is refused', async () => {
      const c = await conn(SP.assertion);
      const { url, requestId } = await buildAuthnRequest(c);
      await store.saveRequest({
        requestId,
        connectionId: c.id,
        browserBinding: 'b1',
        ttlMs: 600_000,
      });
      const posted = await loginAt(url, alice.username, alice.password);
      const deps = {
        consumeRequest: (id: string) =>
          store.consumeRequest({ requestId: id, connectionId: c.id, browserBinding: 'b1' }),
        replay: store.replayCache(c.id),
        now: new Date(),
      };
      expect(await acceptSamlResponse(c, PRESETS.okta, posted.SAMLResponse, deps)).toMatchObject({
        ok: true,
      });
      expect(await acceptSamlResponse(c, PRESETS.okta, posted.SAMLResponse, deps)).toMatchObject({
        ok: false,
        check: 'in_response_to',
      });
    });

    it('attack: InResponseTo of another connection, or started in another browser, is refused', async () => {
      const c = await conn(SP.assertion);
      const { url, requestId } = await buildAuthnRequest(c);
      await store.saveRequest({
        requestId,
        connectionId: 'some-other-connection',
        browserBinding: 'b1',
        ttlMs: 600_000,
      });
      const posted = await loginAt(url, alice.username, alice.password);
      const deps = (browser: string, connectionId: string) => ({
        consumeRequest: (id: string) =>
          store.consumeRequest({ requestId: id, connectionId, browserBinding: browser }),
        replay: store.replayCache(c.id),
        now: new Date(),
      });
      const other = await acceptSamlResponse(
        c,
        PRESETS.okta,
        posted.SAMLResponse,
        deps('b1', c.id),
      );
      expect(other).toMatchObject({ ok: false, check: 'in_response_to' });
      expect(other.ok ? '' : other.message).toMatch(/another SSO connection/);
      const second = await buildAuthnRequest(c);
      await store.saveRequest({
        requestId: second.requestId,
        connectionId: c.id,
        browserBinding: 'b1',
        ttlMs: 600_000,
      });
      const posted2 = await loginAt(second.url, alice.username, alice.password);
      const elsewhere = await acceptSamlResponse(
        c,
        PRESETS.okta,
        posted2.SAMLResponse,
        deps('b2', c.id),
      );
      expect(elsewhere.ok ? '' : elsewhere.message).toMatch(/another browser/);
    });

    it('attack: unsolicited (IdP-initiated) response while IdP-initiated login is off is refused', async () => {
      const c = await conn(SP.assertion);
      const posted = await idpInitiatedLogin(idp, c.sp.entityId, alice);
      await refused(c, { b64: posted.SAMLResponse }, null, 'unsolicited');
    });

    it('attack: InResponseTo not the request this browser started is refused', async () => {
      const c = await conn(SP.assertion);
      const { b64 } = await fresh(c);
      const { requestId: mine } = await buildAuthnRequest(c);
      await refused(c, { b64 }, mine, 'in_response_to');
    });

    it('attack: non-success status (IsPassive without an IdP session: Responder/NoPassive) is refused', async () => {
      const c = await conn(SP.assertion);
      const requestId = newMessageId();
      const saml = samlLibrary(c, { messageId: requestId });
      saml.options.passive = true;
      const url = await saml.getAuthorizeUrlAsync('', undefined, {});
      const page = await new Browser().request(url);
      const posted = new Browser().postedResponse(page);
      const r = await refused(c, { b64: posted.SAMLResponse }, requestId, 'status');
      expect(r.ok ? '' : r.message).toContain('Responder/NoPassive');
    });

    it('attack: DOCTYPE with entity expansion is refused before parsing', async () => {
      const c = await conn(SP.assertion);
      const { xml, requestId } = await fresh(c);
      const laughs =
        '<!DOCTYPE r [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>';
      const forged = laughs + xml.replace(`>${alice.nameId}<`, '>&c;<');
      await refused(c, { xml: forged }, requestId, 'doctype');
    });

    it('attack: a 2 MB body is refused before it is decoded', async () => {
      const c = await conn(SP.assertion);
      const { xml, requestId } = await fresh(c);
      const padded = xml.replace(
        '</samlp:Response>',
        `<!--${'x'.repeat(2 * 1024 * 1024)}--></samlp:Response>`,
      );
      const r = await refused(c, { xml: padded }, requestId, 'body_too_large');
      expect(r.ok ? '' : r.message).toMatch(/at most 262144/);
    });

    it('attack: a deflate bomb on the redirect binding is refused at the inflate cap', () => {
      const bomb = `<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">${' '.repeat(40 * 1024 * 1024)}</samlp:LogoutRequest>`;
      const r = inflateRedirectMessage(
        deflateRawSync(Buffer.from(bomb), { level: 9 }).toString('base64'),
      );
      expect(r).toMatchObject({ ok: false, check: 'inflate_too_large' });
    });

    it('attack: SHA-1 signature (an IdP left on SHA-1) is refused unless the connection allows it', async () => {
      const c = await conn(SP.sha1);
      const { b64, requestId } = await fresh(c);
      await refused(c, { b64 }, requestId, 'weak_algorithm');
      const allowed = await conn(SP.sha1, { policy: { allowSha1: true } });
      expect(await validate(allowed, b64, requestId)).toMatchObject({ ok: true });
    });

    it('an encrypted assertion for a key the connection does not have is refused as a decryption failure', async () => {
      const c = await conn(SP.encrypted, {
        encryptionKeys: [generateSpKeyPair({ commonName: 'not the one' })],
      });
      const { b64, requestId } = await fresh(c);
      await refused(c, { b64 }, requestId, 'decryption');
      const none = await conn(SP.encrypted);
      await refused(none, { b64 }, requestId, 'decryption');
    });

    it('a connection that requires neither signature is refused outright', async () => {
      const c = await conn(SP.both, {
        policy: { wantResponseSigned: false, wantAssertionsSigned: false },
      });
      const { b64, requestId } = await fresh(await conn(SP.both));
      await refused(c, { b64 }, requestId, 'policy');
    });
  },
);
