import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { certificateWarnings, parseCertificates, parseIdpMetadata } from './idp-metadata.js';
import { generateSpKeyPair } from './keys.js';
import { spMetadataXml } from './sp-metadata.js';

// Shaped like the documents the consoles hand out (Okta: the app's "Identity Provider
// metadata"; Entra: the enterprise app's "Federation Metadata XML", signature block included),
// with certificates generated for these fixtures.
const fixture = (name: string) =>
  readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const TENANT = '9122040d-6c67-4c5b-b112-36a304b66dad';

describe('IdP metadata import', () => {
  it("okta: the app's IdP metadata imports with its entity id, SSO URL and certificate", () => {
    const r = parseIdpMetadata(fixture('okta-idp-metadata.xml'));
    if (!r.ok) throw new Error(r.message);
    const m = r.metadata;
    expect(m.entityId).toBe('http://www.okta.com/exk8gatehouse5d7');
    expect(m.ssoRedirectUrl).toBe(
      'https://acme.okta.com/app/acme_gatehouse_1/exk8gatehouse5d7/sso/saml',
    );
    expect(m.ssoServices.map((s) => s.binding.split(':').pop())).toEqual([
      'HTTP-POST',
      'HTTP-Redirect',
    ]);
    expect(m.sloRedirectUrl).toBeNull();
    expect(m.signingCertificates).toHaveLength(1);
    expect(m.signingCertificates[0]?.notAfter.toISOString()).toBe('2035-01-12T23:59:00.000Z');
    expect(m.nameIdFormats).toContain('urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress');
    expect(m.wantAuthnRequestsSigned).toBe(false);
  });

  it('entra: Federation Metadata XML imports from the SAML descriptor, both rollover certificates kept', () => {
    const r = parseIdpMetadata(fixture('entra-federation-metadata.xml'));
    if (!r.ok) throw new Error(r.message);
    const m = r.metadata;
    expect(m.entityId).toBe(`https://sts.windows.net/${TENANT}/`);
    expect(m.ssoRedirectUrl).toBe(`https://login.microsoftonline.com/${TENANT}/saml2`);
    expect(m.sloRedirectUrl).toBe(`https://login.microsoftonline.com/${TENANT}/saml2`);
    expect(m.signingCertificates.map((c) => c.notAfter.toISOString())).toEqual([
      '2027-04-30T23:59:00.000Z',
      '2029-04-18T23:59:00.000Z',
    ]);
    expect(m.signingCertificates[0]?.subject).toContain(
      'Microsoft Azure Federated SSO Certificate',
    );
  });

  it('entra: a certificate close to expiry is reported 30 days ahead, an expired one as expired', () => {
    const r = parseIdpMetadata(fixture('entra-federation-metadata.xml'));
    if (!r.ok) throw new Error(r.message);
    const certs = r.metadata.signingCertificates;
    expect(certificateWarnings(certs, new Date('2027-03-01T00:00:00Z'))).toEqual([]);
    expect(certificateWarnings(certs, new Date('2027-04-10T00:00:00Z'))).toEqual([
      {
        fingerprintSha256: certs[0]?.fingerprintSha256,
        notAfter: certs[0]?.notAfter,
        expired: false,
      },
    ]);
    expect(certificateWarnings(certs, new Date('2027-05-01T00:00:00Z'))[0]?.expired).toBe(true);
  });

  it('attack: metadata with a DOCTYPE (entity expansion) is refused unparsed', () => {
    const xml = fixture('okta-idp-metadata.xml').replace(
      '<md:EntityDescriptor',
      '<!DOCTYPE md [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><md:EntityDescriptor',
    );
    expect(parseIdpMetadata(xml)).toMatchObject({ ok: false, check: 'doctype' });
  });

  it("an SP's metadata uploaded by mistake is refused with a sentence saying so", () => {
    const key = generateSpKeyPair({ commonName: 'sp' });
    const sp = spMetadataXml(
      {
        entityId: 'https://gh.example/sp',
        acsUrl: 'https://gh.example/acs',
        signingKeys: [key],
        encryptionKeys: [],
        nameIdFormat: null,
      },
      { signAuthnRequests: true, wantAssertionsSigned: true },
    );
    const r = parseIdpMetadata(sp);
    expect(r).toMatchObject({ ok: false, check: 'malformed' });
    expect(r.ok ? '' : r.message).toMatch(/SP metadata uploaded by mistake/);
  });

  it('metadata without a signing certificate, or with a broken one, is refused', () => {
    const okta = fixture('okta-idp-metadata.xml');
    const noCert = okta.replace(/<md:KeyDescriptor[\s\S]*<\/md:KeyDescriptor>/, '');
    expect(parseIdpMetadata(noCert)).toMatchObject({ ok: false, check: 'malformed' });
    const broken = okta.replace(/<ds:X509Certificate>[^<]+/, '<ds:X509Certificate>AAAA');
    expect(parseIdpMetadata(broken)).toMatchObject({ ok: false, check: 'malformed' });
  });

  it('content after the root element is refused', () => {
    const xml = `${fixture('okta-idp-metadata.xml')}<md:EntityDescriptor/>`;
    expect(parseIdpMetadata(xml)).toMatchObject({ ok: false, check: 'structure' });
  });

  it('an EntitiesDescriptor needs the entity id to pick from, and finds it', () => {
    const one = fixture('okta-idp-metadata.xml').replace(/^<\?xml[^>]*\?>/, '');
    const two = one.replaceAll('exk8gatehouse5d7', 'exk9other');
    const xml = `<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">${one}${two}</md:EntitiesDescriptor>`;
    expect(parseIdpMetadata(xml)).toMatchObject({ ok: false, check: 'malformed' });
    const r = parseIdpMetadata(xml, { entityId: 'http://www.okta.com/exk9other' });
    expect(r.ok && r.metadata.entityId).toBe('http://www.okta.com/exk9other');
  });

  it('manually entered certificates are read in PEM or bare base64', () => {
    const key = generateSpKeyPair({ commonName: 'manual' });
    const bare = key.certificatePem.replace(/-----[A-Z ]+-----|\s/g, '');
    const r = parseCertificates([key.certificatePem, bare]);
    expect(r.ok && r.certificates.map((c) => c.fingerprintSha256)).toEqual([
      key.fingerprintSha256,
      key.fingerprintSha256,
    ]);
    expect(parseCertificates(['not a cert'])).toMatchObject({ ok: false, check: 'malformed' });
  });
});
