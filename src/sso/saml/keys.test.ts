import { createPrivateKey, sign, verify, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { certificateBody, certificatePem, generateSpKeyPair } from './keys.js';

describe('SP key pair generation', () => {
  const now = new Date('2026-02-01T12:00:00Z');
  const k = generateSpKeyPair({ commonName: 'Gatehouse SAML SP (okta)', now, validDays: 365 });

  it('makes a self-signed certificate for the generated private key', () => {
    const x = new X509Certificate(k.certificatePem);
    expect(x.subject).toBe('CN=Gatehouse SAML SP (okta)');
    expect(x.issuer).toBe(x.subject);
    expect(x.verify(x.publicKey)).toBe(true);
    const sig = sign('sha256', Buffer.from('m'), createPrivateKey(k.privateKeyPem));
    expect(verify('sha256', Buffer.from('m'), x.publicKey, sig)).toBe(true);
    expect(x.fingerprint256).toBe(k.fingerprintSha256);
  });

  it('writes both PEMs with LF line ends, as the API and config files show them', () => {
    expect(k.certificatePem).not.toContain('\r');
    expect(k.privateKeyPem).not.toContain('\r');
    expect(k.certificatePem).toMatch(
      /^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\n$/,
    );
  });

  it('is valid from just before now for the number of days asked', () => {
    expect(k.notBefore.getTime()).toBeLessThanOrEqual(now.getTime());
    expect(now.getTime() - k.notBefore.getTime()).toBeLessThanOrEqual(120_000);
    expect(Math.round((k.notAfter.getTime() - k.notBefore.getTime()) / 86_400_000)).toBe(365);
  });

  it('two key pairs differ (fresh key and serial each time)', () => {
    const other = generateSpKeyPair({ commonName: 'Gatehouse SAML SP (okta)', now });
    expect(other.privateKeyPem).not.toBe(k.privateKeyPem);
    expect(new X509Certificate(other.certificatePem).serialNumber).not.toBe(
      new X509Certificate(k.certificatePem).serialNumber,
    );
  });

  it('converts between PEM and the bare base64 body metadata carries', () => {
    const body = certificateBody(k.certificatePem);
    expect(body).not.toMatch(/\s|-/);
    expect(new X509Certificate(certificatePem(body)).fingerprint256).toBe(k.fingerprintSha256);
  });
});
