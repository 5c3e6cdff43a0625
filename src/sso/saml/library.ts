import { randomBytes } from 'node:crypto';
import { SAML, type SamlConfig, ValidateInResponseTo } from '@node-saml/node-saml';
import { certificatePem } from './keys.js';
import type { SamlConnection } from './types.js';

/** An XML ID (an NCName: must not start with a digit), unguessable. */
export function newMessageId(): string {
  return `_${randomBytes(20).toString('hex')}`;
}

/**
 * node-saml configured for one connection. Only its signature, decryption and message-building
 * parts are relied on: time, audience and InResponseTo are checked by Gatehouse on the verified
 * assertion (with an injected clock and failures that name the check), so they are switched
 * off here rather than checked twice with two different clocks.
 */
export function samlLibrary(
  conn: SamlConnection,
  opts: { messageId?: string; decryptionKeyPem?: string; sign?: boolean } = {},
): SAML {
  const id = opts.messageId;
  const signer = opts.sign ? conn.sp.signingKeys[0] : undefined;
  if (opts.sign && !signer) throw new Error(`SAML connection ${conn.id} has no SP signing key`);
  const config: SamlConfig = {
    issuer: conn.sp.entityId,
    callbackUrl: conn.sp.acsUrl,
    entryPoint: conn.idp.ssoUrl,
    idpCert: conn.idp.certificates.map((c) => certificatePem(c)),
    // Audience is compared by Gatehouse (checks.ts) so the failure can name both values.
    audience: false,
    wantAssertionsSigned: conn.policy.wantAssertionsSigned,
    wantAuthnResponseSigned: conn.policy.wantResponseSigned,
    validateInResponseTo: ValidateInResponseTo.never,
    // -1 turns node-saml's own time checks off: it reads the wall clock, Gatehouse's clock is injected.
    acceptedClockSkewMs: -1,
    // Entra rejects the default PasswordProtectedTransport context (AADSTS75011).
    disableRequestedAuthnContext: true,
    identifierFormat: conn.sp.nameIdFormat,
    signatureAlgorithm: 'sha256',
    digestAlgorithm: 'sha256',
    ...(conn.idp.sloUrl ? { logoutUrl: conn.idp.sloUrl } : {}),
    ...(conn.sp.sloUrl ? { logoutCallbackUrl: conn.sp.sloUrl } : {}),
    ...(opts.decryptionKeyPem ? { decryptionPvk: opts.decryptionKeyPem } : {}),
    ...(id ? { generateUniqueId: () => id } : {}),
    // With a private key node-saml signs redirect-binding messages (SigAlg + Signature).
    ...(signer ? { privateKey: signer.privateKeyPem, publicCert: signer.certificatePem } : {}),
  };
  return new SAML(config);
}
