import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { inflateRedirectMessage } from './redirect-binding.js';

const encode = (xml: string) => deflateRawSync(Buffer.from(xml)).toString('base64');
const LOGOUT =
  '<samlp:LogoutResponse xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_x" Version="2.0"/>';

describe('HTTP-Redirect binding decoding', () => {
  it('inflates a deflated message', () => {
    const r = inflateRedirectMessage(encode(LOGOUT));
    expect(r.ok && r.root.localName).toBe('LogoutResponse');
  });

  it('attack: a deflate bomb (40 MB of whitespace in a LogoutRequest) is refused at the cap', () => {
    const bomb = `<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">${' '.repeat(40 * 1024 * 1024)}</samlp:LogoutRequest>`;
    const encoded = encode(bomb);
    // ~54 KB on the wire: small enough to pass the parameter length cap, so the inflate cap is what refuses it.
    expect(encoded.length).toBeLessThan(64 * 1024);
    expect(inflateRedirectMessage(encoded)).toMatchObject({
      ok: false,
      check: 'inflate_too_large',
    });
  });

  it('a parameter longer than the cap is refused before decoding', () => {
    expect(inflateRedirectMessage('A'.repeat(64 * 1024 + 1))).toMatchObject({
      ok: false,
      check: 'body_too_large',
    });
  });

  it('not base64, not deflate, or not XML: refused as malformed', () => {
    expect(inflateRedirectMessage('%%%')).toMatchObject({ check: 'malformed' });
    expect(inflateRedirectMessage(Buffer.from(LOGOUT).toString('base64'))).toMatchObject({
      check: 'malformed',
    });
    expect(inflateRedirectMessage(encode('<a><b></a>'))).toMatchObject({ check: 'malformed' });
    expect(inflateRedirectMessage(undefined)).toMatchObject({ check: 'malformed' });
  });

  it('attack: a DOCTYPE inside the inflated message is refused', () => {
    expect(inflateRedirectMessage(encode(`<!DOCTYPE x [<!ENTITY e "e">]>${LOGOUT}`))).toMatchObject(
      { check: 'doctype' },
    );
  });
});
