import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import forge from 'node-forge';

/**
 * An SP key pair with its self-signed certificate, as data for the caller to store (the private
 * key encrypted). IdPs pin the certificate itself; nobody checks its chain, so self-signed is
 * what Okta and Entra expect.
 */
export interface SpKeyPair {
  privateKeyPem: string;
  certificatePem: string;
  notBefore: Date;
  notAfter: Date;
  /** SHA-256 fingerprint, colon-separated hex, as admin consoles show it. */
  fingerprintSha256: string;
}

export interface SpKeyOptions {
  /** Goes into the certificate's CN, so an IdP admin can tell which SP a certificate is for. */
  commonName: string;
  /** How long the certificate is valid; rotation publishes a new one next to the old. */
  validDays?: number;
  now?: Date;
  modulusLength?: 2048 | 3072 | 4096;
}

const DAY_MS = 86_400_000;

export function generateSpKeyPair(opts: SpKeyOptions): SpKeyPair {
  const now = opts.now ?? new Date();
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: opts.modulusLength ?? 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  // A positive serial: the high bit cleared so the DER integer is not read as negative.
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  cert.serialNumber = serial.toString('hex');
  // Backdated a minute so an IdP whose clock runs slightly behind does not see a future cert.
  cert.validity.notBefore = new Date(Math.floor(now.getTime() / 1000) * 1000 - 60_000);
  cert.validity.notAfter = new Date(
    cert.validity.notBefore.getTime() + (opts.validDays ?? 3650) * DAY_MS,
  );
  const subject = [{ name: 'commonName', value: opts.commonName }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create());
  // node-forge ends PEM lines with CRLF; the API and config files show LF, as pasted PEMs have.
  const certificatePem = forge.pki.certificateToPem(cert).replace(/\r\n/g, '\n');
  const parsed = new X509Certificate(certificatePem);
  return {
    privateKeyPem: privateKey,
    certificatePem,
    notBefore: new Date(parsed.validFrom),
    notAfter: new Date(parsed.validTo),
    fingerprintSha256: parsed.fingerprint256,
  };
}

/** The base64 body of a PEM certificate, as metadata's `X509Certificate` element carries it. */
export function certificateBody(pem: string): string {
  return pem
    .replace(/-----BEGIN CERTIFICATE-----/g, '')
    .replace(/-----END CERTIFICATE-----/g, '')
    .replace(/\s+/g, '');
}

/** A PEM certificate from a bare base64 body or a PEM (any line wrapping). */
export function certificatePem(bodyOrPem: string): string {
  const body = certificateBody(bodyOrPem);
  const lines = body.match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}
