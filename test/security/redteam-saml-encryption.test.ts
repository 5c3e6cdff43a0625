import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import xmlenc from 'xml-encryption';
import { ALICE, SP, SP_ENCRYPTION_KEY, useAttackRig } from '../support/saml-idp/attack-rig.js';
import { NS_FORGE, parse, responseOf, serialize } from '../support/saml-idp/forge.js';
import { samlIdpUnavailable } from '../support/saml-idp/index.js';

/**
 * Red team: encrypted assertions. The SP encryption certificate is public (SP metadata), so an
 * attacker can encrypt anything to it, with the key transport of their choice. Decrypting must
 * never stand in for the IdP's signature, and RSA-1_5 key transport must be refused.
 */
const unavailable = samlIdpUnavailable();
if (unavailable) console.warn(`SAML red-team encryption tests skipped: ${unavailable}`);

const encrypt = promisify(xmlenc.encrypt);

describe.skipIf(unavailable !== null)('red team: attacker-encrypted assertions', () => {
  const rig = useAttackRig();

  /** A real encrypted response whose EncryptedAssertion is replaced by the attacker's. */
  const withAttackerAssertion = async (keyTransport: xmlenc.KeyEncryptionAlgorithm) => {
    const c = await rig.conn(SP.encrypted, { encryptionKeys: [SP_ENCRYPTION_KEY] });
    const { xml, requestId } = await rig.fresh(c);
    // The fixture itself is good (so the refusal below is the attack's).
    const plain = await rig.validate(c, Buffer.from(xml).toString('base64'), requestId);
    expect(plain.ok).toBe(true);
    const doc = parse(xml);
    const response = responseOf(doc);
    const encrypted = response.getElementsByTagNameNS(NS_FORGE.SAML, 'EncryptedAssertion')[0];
    if (!encrypted) throw new Error('fixture is not encrypted');
    // The attacker's own assertion for the victim, unsigned, encrypted to the public SP cert.
    const forgedAssertion = `<saml:Assertion xmlns:saml="${NS_FORGE.SAML}" ID="_attacker1" Version="2.0" IssueInstant="${new Date().toISOString()}"><saml:Issuer>${rig.idp().entityId}</saml:Issuer><saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">00u1victimadmin00h7</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData InResponseTo="${requestId}" Recipient="${c.sp.acsUrl}" NotOnOrAfter="${new Date(Date.now() + 300_000).toISOString()}"/></saml:SubjectConfirmation></saml:Subject><saml:Conditions><saml:AudienceRestriction><saml:Audience>${c.sp.entityId}</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant="${new Date().toISOString()}"/></saml:Assertion>`;
    const blob = await encrypt(forgedAssertion, {
      rsa_pub: SP_ENCRYPTION_KEY.certificatePem,
      pem: SP_ENCRYPTION_KEY.certificatePem,
      encryptionAlgorithm: 'http://www.w3.org/2009/xmlenc11#aes256-gcm',
      keyEncryptionAlgorithm: keyTransport,
      disallowEncryptionWithInsecureAlgorithm: false,
      warnInsecureAlgorithm: false,
    });
    while (encrypted.firstChild) encrypted.removeChild(encrypted.firstChild);
    const node = parse(blob).documentElement;
    if (!node) throw new Error('no EncryptedData');
    encrypted.appendChild(doc.importNode(node, true));
    return { c, xml: serialize(doc), requestId };
  };

  it('attack: an unsigned assertion the attacker encrypted to the SP certificate (RSA-OAEP) is refused', async () => {
    const { c, xml, requestId } = await withAttackerAssertion(
      'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p',
    );
    await rig.refused(c, { xml }, requestId, 'assertion_signature');
  });

  it('attack: the same with RSA-1_5 key transport (Bleichenbacher oracle) is refused as weak', async () => {
    const { c, xml, requestId } = await withAttackerAssertion(
      'http://www.w3.org/2001/04/xmlenc#rsa-1_5',
    );
    await rig.refused(c, { xml }, requestId, 'weak_algorithm');
  });

  it('control: the real encrypted response still signs Alice in', async () => {
    const c = await rig.conn(SP.encrypted, { encryptionKeys: [SP_ENCRYPTION_KEY] });
    const { b64, requestId } = await rig.fresh(c);
    const r = await rig.validate(c, b64, requestId);
    expect(r.ok && r.assertion.nameId?.value).toBe(ALICE.nameId);
  });
});
