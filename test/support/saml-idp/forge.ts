import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import type { SpKeyPair } from '../../../src/sso/saml/keys.js';

/**
 * The attacker's workbench: turns a real SimpleSAMLphp response into an attack fixture by
 * editing it as XML and, where the attack needs it, signing parts of it again with xml-crypto.
 */

const SAMLP = 'urn:oasis:names:tc:SAML:2.0:protocol';
const SAML = 'urn:oasis:names:tc:SAML:2.0:assertion';
const DS = 'http://www.w3.org/2000/09/xmldsig#';

export const decode = (b64: string): string => Buffer.from(b64, 'base64').toString('utf8');
export const encode = (xml: string): string => Buffer.from(xml, 'utf8').toString('base64');

export function parse(xml: string): Document {
  return new DOMParser().parseFromString(xml, 'text/xml');
}

export function serialize(node: Node): string {
  return new XMLSerializer().serializeToString(node);
}

function only(doc: Document | Element, ns: string, local: string): Element {
  const found = doc.getElementsByTagNameNS(ns, local);
  const el = found[0];
  if (!el) throw new Error(`fixture has no ${local}`);
  return el;
}

export const assertionOf = (doc: Document): Element => only(doc, SAML, 'Assertion');

/** Every ds:Signature removed: what an attacker does to forge freely. */
export function stripSignatures(xml: string): string {
  const doc = parse(xml);
  for (const sig of Array.from(doc.getElementsByTagNameNS(DS, 'Signature'))) {
    sig.parentNode?.removeChild(sig);
  }
  return serialize(doc);
}

/** Replaces the text of the (first) NameID. */
export function setNameId(doc: Document, value: string): void {
  const nameId = only(doc, SAML, 'NameID');
  while (nameId.firstChild) nameId.removeChild(nameId.firstChild);
  nameId.appendChild(doc.createTextNode(value));
}

/** The direct signature of an element (its ds:Signature child), or null. */
export function ownSignature(el: Element): Element | null {
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (
      n.nodeType === 1 &&
      (n as Element).namespaceURI === DS &&
      (n as Element).localName === 'Signature'
    ) {
      return n as Element;
    }
  }
  return null;
}

/**
 * Signs the element with this ID using `key`, the certificate carried in KeyInfo (the
 * CVE-2024-32962 shape: a verifier that trusts KeyInfo accepts any key). The signature goes
 * right after the element's Issuer, where SAML puts it.
 */
export function signElement(xml: string, id: string, key: SpKeyPair): string {
  const sig = new SignedXml({
    privateKey: key.privateKeyPem,
    publicCert: key.certificatePem,
    signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  });
  sig.addReference({
    xpath: `//*[@ID='${id}']`,
    digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
    transforms: [
      'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
      'http://www.w3.org/2001/10/xml-exc-c14n#',
    ],
  });
  sig.computeSignature(xml, {
    prefix: 'ds',
    location: { reference: `//*[@ID='${id}']/*[local-name(.)='Issuer']`, action: 'after' },
  });
  return sig.getSignedXml();
}

export const responseOf = (doc: Document): Element => {
  const root = doc.documentElement;
  if (!root || root.namespaceURI !== SAMLP || root.localName !== 'Response')
    throw new Error('not a Response');
  return root;
};

export const NS_FORGE = { SAMLP, SAML, DS };
