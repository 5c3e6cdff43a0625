import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { mapAssertion, PRESETS } from '../../src/sso/saml/attributes.js';
import { certificateBody, generateSpKeyPair } from '../../src/sso/saml/keys.js';
import { inflateRedirectMessage } from '../../src/sso/saml/redirect-binding.js';
import { ALICE, ATTACKER_KEY, SP, useAttackRig } from '../support/saml-idp/attack-rig.js';
import {
  assertionOf,
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
import { samlIdpUnavailable } from '../support/saml-idp/index.js';

const unavailable = samlIdpUnavailable();
if (unavailable) console.warn(`SAML attack tests against SimpleSAMLphp skipped: ${unavailable}`);

describe.skipIf(unavailable !== null)(
  'SAML attacks on the message: forged, re-signed, wrapped, malformed (fixtures from real SimpleSAMLphp responses)',
  () => {
    const rig = useAttackRig();

    it('baseline: the untouched responses are accepted (so each refusal below is the attack)', async () => {
      for (const sp of [SP.both, SP.assertion]) {
        const c = await rig.conn(sp);
        const { b64, requestId } = await rig.fresh(c);
        expect(await rig.validate(c, b64, requestId)).toMatchObject({ ok: true });
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
      const c = await rig.conn(SP.both);
      const { xml, requestId } = await rig.fresh(c);
      await rig.refused(c, { xml: stripSignatures(xml) }, requestId, 'assertion_signature');
      const strict = await rig.conn(SP.both, { policy: { wantResponseSigned: true } });
      const again = await rig.fresh(strict);
      await rig.refused(
        strict,
        { xml: stripSignatures(again.xml) },
        again.requestId,
        'response_signature',
      );
    });

    it('attack: value changed after signing (email swapped in the assertion) is refused', async () => {
      const c = await rig.conn(SP.assertion);
      const { xml, requestId } = await rig.fresh(c);
      const forged = xml.replace('>alice@acme.example<', '>mallory@acme.example<');
      expect(forged).not.toBe(xml);
      await rig.refused(c, { xml: forged }, requestId, 'assertion_signature');
    });

    it('attack: value changed after signing in a response-signed message is refused by the Response signature', async () => {
      const c = await rig.conn(SP.both, {
        policy: { wantResponseSigned: true, wantAssertionsSigned: false },
      });
      const { xml, requestId } = await rig.fresh(c);
      await rig.refused(
        c,
        { xml: xml.replace('>Gateway-Admins<', '>Gateway-Owners<') },
        requestId,
        'response_signature',
      );
    });

    it('attack: re-signed with an attacker key carried in KeyInfo is refused (only pinned certificates count)', async () => {
      const c = await rig.conn(SP.both, { policy: { wantResponseSigned: true } });
      const { xml, requestId } = await rig.fresh(c);
      const doc = parse(stripSignatures(xml));
      setNameId(doc, '00u1victimadmin00h7');
      const assertionId = assertionOf(doc).getAttribute('ID') ?? '';
      const responseId = responseOf(doc).getAttribute('ID') ?? '';
      const signed = signElement(
        signElement(serialize(doc), assertionId, ATTACKER_KEY),
        responseId,
        ATTACKER_KEY,
      );
      expect(signed).toContain(certificateBody(ATTACKER_KEY.certificatePem));
      await rig.refused(c, { xml: signed }, requestId, 'response_signature');
      const lax = await rig.conn(SP.both);
      await rig.refused(lax, { xml: signed }, requestId, 'assertion_signature');
    });

    it('attack: signature wrapping — forged assertion inserted before the signed one is refused', async () => {
      const c = await rig.conn(SP.assertion);
      const { xml, requestId } = await rig.fresh(c);
      const doc = parse(xml);
      const signedAssertion = assertionOf(doc);
      const forged = signedAssertion.cloneNode(true) as Element;
      const sig = ownSignature(forged);
      if (sig) forged.removeChild(sig);
      forged.setAttribute('ID', '_forged1');
      signedAssertion.parentNode?.insertBefore(forged, signedAssertion);
      setNameId(doc, '00u1victimadmin00h7');
      await rig.refused(c, { xml: serialize(doc) }, requestId, 'structure');
    });

    it('attack: signature wrapping — signed response inside Extensions of a forged response is refused', async () => {
      const c = await rig.conn(SP.both, { policy: { wantResponseSigned: true } });
      const { xml, requestId } = await rig.fresh(c);
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
      await rig.refused(c, { xml: serialize(outer) }, requestId, 'response_signature');
      const lax = await rig.conn(SP.both);
      await rig.refused(lax, { xml: serialize(outer) }, requestId, 'assertion_signature');
    });

    it('attack: signature wrapping — signed assertion moved into Advice of a forged assertion is refused', async () => {
      const c = await rig.conn(SP.assertion);
      const { xml, requestId } = await rig.fresh(c);
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
      await rig.refused(c, { xml: serialize(doc) }, requestId, 'assertion_signature');
      // Same shape with the forged assertion keeping the signed ID: the duplicate is refused first.
      forged.setAttribute('ID', signedAssertion.getAttribute('ID') ?? '');
      await rig.refused(c, { xml: serialize(doc) }, requestId, 'duplicate_id');
    });

    it('attack: duplicate IDs — another element carrying the signed assertion ID is refused', async () => {
      const c = await rig.conn(SP.assertion);
      const { xml, requestId } = await rig.fresh(c);
      const doc = parse(xml);
      const id = assertionOf(doc).getAttribute('ID') ?? '';
      const ext = doc.createElementNS(NS_FORGE.SAMLP, 'samlp:Extensions');
      const decoy = doc.createElementNS(NS_FORGE.SAML, 'saml:Assertion');
      decoy.setAttribute('ID', id);
      ext.appendChild(decoy);
      const response = responseOf(doc);
      const issuer = response.getElementsByTagNameNS(NS_FORGE.SAML, 'Issuer')[0];
      response.insertBefore(ext, issuer?.nextSibling ?? null);
      await rig.refused(c, { xml: serialize(doc) }, requestId, 'duplicate_id');
    });

    it('attack: comment inside NameID yields the full NameID, never the part before the comment', async () => {
      const c = await rig.conn(SP.assertion);
      const { xml, requestId } = await rig.fresh(c);
      const forged = xml.replace(`>${ALICE.nameId}<`, `>00u1gatehouse<!---->alice0h7<`);
      expect(forged).not.toBe(xml);
      const r = await rig.validate(c, encode(forged), requestId);
      if (!r.ok) throw new Error(`${r.check}: ${r.message}`);
      expect(r.assertion.nameId?.value).toBe(ALICE.nameId);
      const mapped = mapAssertion(r.assertion, PRESETS.okta);
      expect(mapped.ok && mapped.identity.subject).toBe(ALICE.nameId);
    });

    it('attack: two SignedInfo in one signature (CVE-2025-29774 shape) is refused', async () => {
      const c = await rig.conn(SP.assertion);
      const { xml, requestId } = await rig.fresh(c);
      const doc = parse(xml);
      const sig = ownSignature(assertionOf(doc));
      const signedInfo = sig?.getElementsByTagNameNS(NS_FORGE.DS, 'SignedInfo')[0];
      if (!sig || !signedInfo) throw new Error('fixture');
      const second = signedInfo.cloneNode(true) as Element;
      const ref = second.getElementsByTagNameNS(NS_FORGE.DS, 'Reference')[0];
      ref?.setAttribute('URI', '#_forged3');
      sig.insertBefore(second, signedInfo.nextSibling);
      await rig.refused(c, { xml: serialize(doc) }, requestId, 'signature');
    });

    it('attack: content after the root element (a signed assertion appended) is refused', async () => {
      const c = await rig.conn(SP.assertion);
      const { xml, requestId } = await rig.fresh(c);
      const assertion = serialize(assertionOf(parse(xml)));
      await rig.refused(c, { xml: `${xml}${assertion}` }, requestId, 'structure');
      await rig.refused(c, { xml: `${xml}trailing` }, requestId, 'structure');
    });

    it('attack: DOCTYPE with entity expansion is refused before parsing', async () => {
      const c = await rig.conn(SP.assertion);
      const { xml, requestId } = await rig.fresh(c);
      const laughs =
        '<!DOCTYPE r [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>';
      const forged = laughs + xml.replace(`>${ALICE.nameId}<`, '>&c;<');
      await rig.refused(c, { xml: forged }, requestId, 'doctype');
    });

    it('attack: a 2 MB body is refused before it is decoded', async () => {
      const c = await rig.conn(SP.assertion);
      const { xml, requestId } = await rig.fresh(c);
      const padded = xml.replace(
        '</samlp:Response>',
        `<!--${'x'.repeat(2 * 1024 * 1024)}--></samlp:Response>`,
      );
      const r = await rig.refused(c, { xml: padded }, requestId, 'body_too_large');
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
      const c = await rig.conn(SP.sha1);
      const { b64, requestId } = await rig.fresh(c);
      await rig.refused(c, { b64 }, requestId, 'weak_algorithm');
      const allowed = await rig.conn(SP.sha1, { policy: { allowSha1: true } });
      expect(await rig.validate(allowed, b64, requestId)).toMatchObject({ ok: true });
    });

    it('an encrypted assertion for a key the connection does not have is refused as a decryption failure', async () => {
      const c = await rig.conn(SP.encrypted, {
        encryptionKeys: [generateSpKeyPair({ commonName: 'not the one' })],
      });
      const { b64, requestId } = await rig.fresh(c);
      await rig.refused(c, { b64 }, requestId, 'decryption');
      const none = await rig.conn(SP.encrypted);
      await rig.refused(none, { b64 }, requestId, 'decryption');
    });

    it('a connection that requires neither signature is refused outright', async () => {
      const c = await rig.conn(SP.both, {
        policy: { wantResponseSigned: false, wantAssertionsSigned: false },
      });
      const { b64, requestId } = await rig.fresh(await rig.conn(SP.both));
      await rig.refused(c, { b64 }, requestId, 'policy');
    });

    it('attack: deeply nested XML inside a real response is refused by a named check, not a crash', async () => {
      const c = await rig.conn(SP.assertion);
      const { xml, requestId } = await rig.fresh(c);
      const depth = 20_000;
      const nested = `<saml:Advice>${'<x>'.repeat(depth)}${'</x>'.repeat(depth)}</saml:Advice>`;
      // Into the signed assertion (after its own Issuer, the document's second one).
      const at = xml.indexOf('</saml:Issuer>', xml.indexOf('<saml:Assertion'));
      const forged = `${xml.slice(0, at)}</saml:Issuer>${nested}${xml.slice(at + '</saml:Issuer>'.length)}`;
      expect(forged.length).toBeGreaterThan(xml.length + depth * 7);
      await rig.refused(c, { xml: forged }, requestId, 'assertion_signature');
    });
  },
);
