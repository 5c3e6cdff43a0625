import { describe, expect, it } from 'vitest';
import { checkAlgorithms, checkStructure } from './structure.js';
import { hasDoctype, parseStrict, textOf } from './xml.js';

const root = (xml: string): Element => {
  const p = parseStrict(xml);
  if (!p.ok) throw new Error(p.message);
  return p.root;
};

const P =
  'xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:ds="http://www.w3.org/2000/09/xmldsig#"';

describe('strict XML parsing', () => {
  it('refuses a second root element, and text after the root', () => {
    expect(parseStrict('<a/><b/>')).toMatchObject({ ok: false, reason: 'structure' });
    expect(parseStrict('<a/>text')).toMatchObject({ ok: false, reason: 'structure' });
  });

  it('accepts an XML declaration, whitespace and comments around the root', () => {
    expect(parseStrict('<?xml version="1.0"?>\n<a/>\n<!-- c -->\n')).toMatchObject({ ok: true });
  });

  it('refuses what xmldom only warns about (an unclosed element) and undeclared entities', () => {
    expect(parseStrict('<a><b></a>')).toMatchObject({ ok: false, reason: 'malformed' });
    expect(parseStrict('<a>&x;</a>')).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('finds DOCTYPE and ENTITY declarations in any case and spacing', () => {
    expect(hasDoctype('<!doctype a>')).toBe(true);
    expect(hasDoctype('<! ENTITY x "y">')).toBe(true);
    expect(hasDoctype('<a>DOCTYPE</a>')).toBe(false);
  });

  it('comment inside a value: the whole text is read, never the part before the comment', () => {
    expect(textOf(root('<n>alice@corp.example<!---->.evil.example</n>'))).toBe(
      'alice@corp.example.evil.example',
    );
    expect(textOf(root('<n><![CDATA[a]]>b</n>'))).toBe('ab');
    expect(textOf(root('<n>a<b>x</b>c</n>'))).toBe('axc');
  });
});

describe('depth', () => {
  it('attack: a response nested 36,000 levels deep (256 KiB) is walked without exhausting the stack', () => {
    const depth = 36_000;
    const xml = `<samlp:Response ${P} ID="_r"><saml:Assertion ID="_a"/>${'<x>'.repeat(depth)}${'</x>'.repeat(depth)}</samlp:Response>`;
    const r = parseStrict(xml);
    if (!r.ok) throw new Error(r.message);
    expect(checkStructure(r.root)).toBeNull();
    expect(textOf(r.root)).toBe('');
  });
});

describe('response structure checks', () => {
  const assertion = (id: string) => `<saml:Assertion ID="${id}"/>`;

  it('refuses two assertions, no assertion, and a root that is not a Response', () => {
    expect(
      checkStructure(
        root(`<samlp:Response ${P} ID="_r">${assertion('_a')}${assertion('_b')}</samlp:Response>`),
      ),
    ).toMatchObject({ check: 'structure' });
    expect(checkStructure(root(`<samlp:Response ${P} ID="_r"/>`))).toMatchObject({
      check: 'structure',
    });
    expect(checkStructure(root(`<samlp:LogoutResponse ${P} ID="_r"/>`))).toMatchObject({
      check: 'structure',
    });
  });

  it('refuses two elements with the same ID anywhere in the document', () => {
    const xml = `<samlp:Response ${P} ID="_r"><samlp:Extensions><x ID="_a"/></samlp:Extensions>${assertion('_a')}</samlp:Response>`;
    expect(checkStructure(root(xml))).toMatchObject({ check: 'duplicate_id' });
  });

  it('refuses a Signature with two SignedInfo', () => {
    const xml = `<samlp:Response ${P} ID="_r"><ds:Signature><ds:SignedInfo/><ds:SignedInfo/></ds:Signature>${assertion('_a')}</samlp:Response>`;
    expect(checkStructure(root(xml))).toMatchObject({ check: 'signature' });
  });

  it('refuses SHA-1 signatures unless allowed, but not SHA-1 inside RSA-OAEP key transport', () => {
    const sig = (m: string, d: string) =>
      `<samlp:Response ${P}><ds:Signature><ds:SignedInfo><ds:SignatureMethod Algorithm="${m}"/><ds:Reference><ds:DigestMethod Algorithm="${d}"/></ds:Reference></ds:SignedInfo></ds:Signature></samlp:Response>`;
    const sha1 = root(
      sig('http://www.w3.org/2000/09/xmldsig#rsa-sha1', 'http://www.w3.org/2000/09/xmldsig#sha1'),
    );
    expect(checkAlgorithms(sha1, false)).toMatchObject({ check: 'weak_algorithm' });
    expect(checkAlgorithms(sha1, true)).toBeNull();
    const oaep = root(
      `<x xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"><ds:DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1"/></xenc:EncryptionMethod></x>`,
    );
    expect(checkAlgorithms(oaep, false)).toBeNull();
    const rsa15 = root(
      `<x xmlns:xenc="http://www.w3.org/2001/04/xmlenc#"><xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-1_5"/></x>`,
    );
    expect(checkAlgorithms(rsa15, true)).toMatchObject({ check: 'weak_algorithm' });
  });
});
