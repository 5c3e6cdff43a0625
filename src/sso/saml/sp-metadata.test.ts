import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { certificatePem, generateSpKeyPair } from './keys.js';
import { spMetadataXml } from './sp-metadata.js';
import { attr, children, NS, parseStrict, textOf } from './xml.js';

describe('SP metadata', () => {
  const oldKey = generateSpKeyPair({ commonName: 'gatehouse okta (2025)' });
  const newKey = generateSpKeyPair({ commonName: 'gatehouse okta (2026)' });
  const encKey = generateSpKeyPair({ commonName: 'gatehouse okta encryption' });
  const xml = spMetadataXml(
    {
      entityId: 'https://gatehouse.acme.example/sso/okta/metadata',
      acsUrl: 'https://gatehouse.acme.example/sso/okta/acs',
      sloUrl: 'https://gatehouse.acme.example/sso/okta/slo',
      signingKeys: [newKey, oldKey],
      encryptionKeys: [encKey],
      nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
    },
    { signAuthnRequests: true, wantAssertionsSigned: true },
  );
  const parsed = parseStrict(xml);
  if (!parsed.ok) throw new Error(parsed.message);
  const root = parsed.root;
  const sso = children(root, NS.metadata, 'SPSSODescriptor')[0];
  if (!sso) throw new Error('no SPSSODescriptor');

  it('has the entity id and an HTTP-POST AssertionConsumerService at the ACS URL', () => {
    expect(attr(root, 'entityID')).toBe('https://gatehouse.acme.example/sso/okta/metadata');
    const acs = children(sso, NS.metadata, 'AssertionConsumerService');
    expect(acs.map((a) => [attr(a, 'Binding'), attr(a, 'Location')])).toEqual([
      [
        'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
        'https://gatehouse.acme.example/sso/okta/acs',
      ],
    ]);
    expect(attr(sso, 'AuthnRequestsSigned')).toBe('true');
    expect(attr(sso, 'WantAssertionsSigned')).toBe('true');
  });

  it('publishes every signing certificate (rotation) and the encryption certificate', () => {
    const byUse = (use: string) =>
      children(sso, NS.metadata, 'KeyDescriptor')
        .filter((k) => attr(k, 'use') === use)
        .map((k) => {
          const cert = k.getElementsByTagNameNS(NS.dsig, 'X509Certificate')[0];
          return new X509Certificate(certificatePem(cert ? textOf(cert) : '')).fingerprint256;
        });
    expect(byUse('signing')).toEqual([newKey.fingerprintSha256, oldKey.fingerprintSha256]);
    expect(byUse('encryption')).toEqual([encKey.fingerprintSha256]);
  });

  it('lists the persistent NameID format and the logout endpoint', () => {
    expect(children(sso, NS.metadata, 'NameIDFormat').map(textOf)).toEqual([
      'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
    ]);
    const slo = children(sso, NS.metadata, 'SingleLogoutService')[0];
    expect(slo && attr(slo, 'Location')).toBe('https://gatehouse.acme.example/sso/okta/slo');
  });

  it('escapes an entity id that contains XML metacharacters', () => {
    const odd = spMetadataXml(
      {
        entityId: 'urn:x?a=1&b="2"',
        acsUrl: 'https://h/acs',
        signingKeys: [],
        encryptionKeys: [],
        nameIdFormat: null,
      },
      { signAuthnRequests: false, wantAssertionsSigned: true },
    );
    const p = parseStrict(odd);
    expect(p.ok && attr(p.root, 'entityID')).toBe('urn:x?a=1&b="2"');
  });
});
