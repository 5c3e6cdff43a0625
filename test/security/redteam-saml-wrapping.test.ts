import { describe, expect, it } from 'vitest';
import { mapAssertion, PRESETS } from '../../src/sso/saml/attributes.js';
import { ALICE, SP, useAttackRig } from '../support/saml-idp/attack-rig.js';
import {
  assertionOf,
  encode,
  NS_FORGE,
  ownSignature,
  parse,
  responseOf,
  serialize,
  setNameId,
} from '../support/saml-idp/forge.js';
import { samlIdpUnavailable } from '../support/saml-idp/index.js';

/**
 * Red team: signature-wrapping and truncation variants the first attack suite did not try, on
 * real SimpleSAMLphp responses. Each must either be refused or sign in exactly the person the
 * IdP signed for (Alice), never the forged one.
 */
const unavailable = samlIdpUnavailable();
if (unavailable) console.warn(`SAML red-team wrapping tests skipped: ${unavailable}`);

const VICTIM = '00u1victimadmin00h7';
const SAML1 = 'urn:oasis:names:tc:SAML:1.0:assertion';

describe.skipIf(unavailable !== null)('red team: SAML wrapping and truncation variants', () => {
  const rig = useAttackRig();

  /** Refused, or Alice exactly: the forged subject must never come out. */
  const neverForged = async (
    c: Parameters<typeof rig.validate>[0],
    xml: string,
    requestId: string,
  ) => {
    const r = await rig.validate(c, encode(xml), requestId);
    if (r.ok) {
      expect(r.assertion.nameId?.value).toBe(ALICE.nameId);
      const mapped = mapAssertion(r.assertion, PRESETS.okta);
      expect(mapped.ok && mapped.identity.subject).toBe(ALICE.nameId);
    } else {
      expect(r.message).not.toMatch(/<|xmldom|xml-crypto|Error:/);
    }
    expect(xml).toContain(VICTIM);
    return r;
  };

  it('attack: a comment after signing inside the email and a group value cannot cut them short', async () => {
    const c = await rig.conn(SP.assertion);
    const { xml, requestId } = await rig.fresh(c);
    // Exclusive C14N drops comments, so the signature still verifies after this edit.
    const forged = xml
      .replace('>alice@acme.example<', '>alice@acme<!---->.example<')
      .replace('>Gateway-Admins<', '>Gateway<!---->-Admins<');
    expect(forged).not.toBe(xml);
    const r = await rig.validate(c, encode(forged), requestId);
    if (!r.ok) throw new Error(`${r.check}: ${r.message}`);
    const mapped = mapAssertion(r.assertion, PRESETS.okta);
    if (!mapped.ok) throw new Error(mapped.message);
    expect(mapped.identity.email).toBe('alice@acme.example');
    expect(JSON.stringify(mapped.identity.groups)).toContain('"Gateway-Admins"');
    expect(JSON.stringify(mapped.identity.groups)).not.toContain('"Gateway"');
  });

  it('attack: a forged assertion in the SAML 1.0 namespace before the signed one', async () => {
    const c = await rig.conn(SP.assertion);
    const { xml, requestId } = await rig.fresh(c);
    const doc = parse(xml);
    const signed = assertionOf(doc);
    const forged = doc.createElementNS(SAML1, 'saml1:Assertion');
    const copy = signed.cloneNode(true) as Element;
    const sig = ownSignature(copy);
    if (sig) copy.removeChild(sig);
    while (copy.firstChild) forged.appendChild(copy.firstChild);
    forged.setAttribute('ID', '_forged_saml1');
    signed.parentNode?.insertBefore(forged, signed);
    const forgedXml = serialize(doc).replace(
      /(<saml1:Assertion[^>]*>[\s\S]*?<saml:NameID[^>]*>)[^<]*/,
      `$1${VICTIM}`,
    );
    await neverForged(c, forgedXml, requestId);
  });

  it('attack: forged assertion carrying the signed ID as "Id", the signed one moved into Extensions', async () => {
    const c = await rig.conn(SP.assertion);
    const { xml, requestId } = await rig.fresh(c);
    const doc = parse(xml);
    const response = responseOf(doc);
    const signed = assertionOf(doc);
    const signedId = signed.getAttribute('ID') ?? '';
    const forged = signed.cloneNode(true) as Element;
    const sig = ownSignature(forged);
    if (sig) forged.removeChild(sig);
    forged.removeAttribute('ID');
    forged.setAttribute('Id', signedId);
    forged.setAttribute('ID', '_forged_id_case');
    response.replaceChild(forged, signed);
    const ext = doc.createElementNS(NS_FORGE.SAMLP, 'samlp:Extensions');
    ext.appendChild(signed);
    const issuer = response.getElementsByTagNameNS(NS_FORGE.SAML, 'Issuer')[0];
    response.insertBefore(ext, issuer?.nextSibling ?? null);
    const forgedDoc = parse(serialize(doc));
    // The NameID of the forged (first, top-level) assertion becomes the victim.
    setNameId(forgedDoc, VICTIM);
    await neverForged(c, serialize(forgedDoc), requestId);
  });

  it('attack: Destination differing only by case or whitespace is refused', async () => {
    const c = await rig.conn(SP.both, { policy: { wantResponseSigned: false } });
    for (const edit of [
      (d: string) => d.toUpperCase(),
      (d: string) => `${d} `,
      (d: string) => `${d}/`,
    ]) {
      const { xml, requestId } = await rig.fresh(c);
      const doc = parse(xml);
      const response = responseOf(doc);
      response.setAttribute('Destination', edit(response.getAttribute('Destination') ?? ''));
      await rig.refused(c, { xml: serialize(doc) }, requestId, 'destination');
    }
  });
});
