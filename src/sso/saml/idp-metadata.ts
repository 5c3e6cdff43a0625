import { X509Certificate } from 'node:crypto';
import { certificateBody, certificatePem } from './keys.js';
import { fail, type SamlResult } from './types.js';
import { attr, child, children, hasDoctype, NS, parseStrict, textOf } from './xml.js';

export const BINDINGS = {
  redirect: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
  post: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
} as const;

export interface IdpCertificate {
  pem: string;
  subject: string;
  notBefore: Date;
  notAfter: Date;
  fingerprintSha256: string;
}

export interface IdpEndpoint {
  binding: string;
  location: string;
}

export interface IdpMetadata {
  entityId: string;
  /** Every SingleSignOnService, in document order. */
  ssoServices: IdpEndpoint[];
  sloServices: IdpEndpoint[];
  /** The HTTP-Redirect SSO URL Gatehouse sends AuthnRequests to; null when the IdP has none. */
  ssoRedirectUrl: string | null;
  sloRedirectUrl: string | null;
  /** Every signing certificate: during rollover Entra publishes the old and the new. */
  signingCertificates: IdpCertificate[];
  nameIdFormats: string[];
  wantAuthnRequestsSigned: boolean;
}

/** Metadata larger than this is not an IdP's: Entra's per-app document is a few kilobytes. */
const MAX_METADATA_BYTES = 1024 * 1024;

function parseCertificate(base64: string): IdpCertificate | null {
  try {
    const pem = certificatePem(base64);
    const x = new X509Certificate(pem);
    return {
      pem,
      subject: x.subject,
      notBefore: new Date(x.validFrom),
      notAfter: new Date(x.validTo),
      fingerprintSha256: x.fingerprint256,
    };
  } catch {
    return null;
  }
}

/** Every browser signing in is redirected here: an absolute http(s) URL, as when typed in. */
function isHttpUrl(location: string): boolean {
  try {
    const u = new URL(location);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

/** The endpoints with a usable Location; `javascript:`, `data:` or relative ones are left out. */
function endpoints(descriptor: Element, local: string): IdpEndpoint[] {
  return children(descriptor, NS.metadata, local).flatMap((e) => {
    const binding = attr(e, 'Binding');
    const location = attr(e, 'Location');
    return binding && location && isHttpUrl(location) ? [{ binding, location }] : [];
  });
}

function findEntity(root: Element, entityId: string | undefined): Element[] {
  if (root.namespaceURI !== NS.metadata) return [];
  if (root.localName === 'EntityDescriptor') return [root];
  if (root.localName !== 'EntitiesDescriptor') return [];
  const all = [
    ...children(root, NS.metadata, 'EntityDescriptor'),
    ...children(root, NS.metadata, 'EntitiesDescriptor').flatMap((e) => findEntity(e, undefined)),
  ];
  return entityId ? all.filter((e) => attr(e, 'entityID') === entityId) : all;
}

/**
 * Reads an IdP's SAML metadata: Okta's app metadata, Entra's Federation Metadata XML (whose
 * WS-Federation RoleDescriptors are ignored), or any other IDPSSODescriptor. The XML is what an
 * admin pasted or what the caller fetched; it is trusted as configuration, not as a message.
 */
export function parseIdpMetadata(
  xml: string,
  opts: { entityId?: string } = {},
): SamlResult<{ metadata: IdpMetadata }> {
  if (Buffer.byteLength(xml, 'utf8') > MAX_METADATA_BYTES) {
    return fail(
      'body_too_large',
      'The IdP metadata is larger than 1 MB; this is not an IdP metadata document.',
    );
  }
  if (hasDoctype(xml)) {
    return fail(
      'doctype',
      'The IdP metadata contains a DOCTYPE or entity declaration, which SAML metadata never needs; it was refused.',
    );
  }
  const parsed = parseStrict(xml.trim());
  if (!parsed.ok) return fail(parsed.reason, `The IdP metadata ${parsed.message}.`);
  const entities = findEntity(parsed.root, opts.entityId);
  if (entities.length === 0) {
    return fail(
      'malformed',
      opts.entityId
        ? `The metadata has no EntityDescriptor with entityID ${opts.entityId}.`
        : 'The document is not SAML metadata: it has no md:EntityDescriptor.',
    );
  }
  const idpEntities = entities.filter((e) => child(e, NS.metadata, 'IDPSSODescriptor'));
  if (idpEntities.length > 1) {
    return fail('malformed', 'The metadata describes several IdPs; name the entity id to import.');
  }
  const entity = idpEntities[0];
  const entityId = entity ? attr(entity, 'entityID') : null;
  const descriptor = entity
    ? children(entity, NS.metadata, 'IDPSSODescriptor').find((d) =>
        (attr(d, 'protocolSupportEnumeration') ?? '').split(/\s+/).includes(NS.protocol),
      )
    : undefined;
  if (!entity || !entityId || !descriptor) {
    return fail(
      'malformed',
      "The metadata has no SAML 2.0 IDPSSODescriptor: it is not an IdP's metadata (SP metadata uploaded by mistake?).",
    );
  }

  const signingCertificates: IdpCertificate[] = [];
  for (const kd of children(descriptor, NS.metadata, 'KeyDescriptor')) {
    const use = attr(kd, 'use');
    // A KeyDescriptor without `use` is for both signing and encryption (metadata spec 2.4.1.1).
    if (use !== null && use !== 'signing') continue;
    const keyInfo = child(kd, NS.dsig, 'KeyInfo');
    const certs = keyInfo
      ? children(keyInfo, NS.dsig, 'X509Data').flatMap((d) =>
          children(d, NS.dsig, 'X509Certificate'),
        )
      : [];
    for (const c of certs) {
      const cert = parseCertificate(textOf(c));
      if (!cert) {
        return fail(
          'malformed',
          'The metadata contains a signing certificate that is not a valid X.509 certificate.',
        );
      }
      if (!signingCertificates.some((s) => s.fingerprintSha256 === cert.fingerprintSha256)) {
        signingCertificates.push(cert);
      }
    }
  }
  if (signingCertificates.length === 0) {
    return fail(
      'malformed',
      'The IdP metadata has no signing certificate, so no response from it could be verified.',
    );
  }

  const ssoServices = endpoints(descriptor, 'SingleSignOnService');
  const sloServices = endpoints(descriptor, 'SingleLogoutService');
  const ssoRedirectUrl = ssoServices.find((s) => s.binding === BINDINGS.redirect)?.location ?? null;
  if (!ssoRedirectUrl) {
    return fail(
      'malformed',
      'The IdP metadata offers no SingleSignOnService with the HTTP-Redirect binding and an http(s) Location, which Gatehouse sends its AuthnRequests to.',
    );
  }
  return {
    ok: true,
    metadata: {
      entityId,
      ssoServices,
      sloServices,
      ssoRedirectUrl,
      sloRedirectUrl: sloServices.find((s) => s.binding === BINDINGS.redirect)?.location ?? null,
      signingCertificates,
      nameIdFormats: children(descriptor, NS.metadata, 'NameIDFormat').map((e) => textOf(e).trim()),
      wantAuthnRequestsSigned: attr(descriptor, 'WantAuthnRequestsSigned') === 'true',
    },
  };
}

/**
 * Certificates an admin should hear about: expired, or expiring within `warnDays` (the
 * connection test warns 30 days ahead).
 */
export function certificateWarnings(
  certs: readonly IdpCertificate[],
  now: Date,
  warnDays = 30,
): { fingerprintSha256: string; notAfter: Date; expired: boolean }[] {
  const horizon = now.getTime() + warnDays * 86_400_000;
  return certs
    .filter((c) => c.notAfter.getTime() <= horizon)
    .map((c) => ({
      fingerprintSha256: c.fingerprintSha256,
      notAfter: c.notAfter,
      expired: c.notAfter.getTime() <= now.getTime(),
    }));
}

/** Manually entered certificates (PEM or base64) as the same shape, for the same checks. */
export function parseCertificates(
  input: readonly string[],
): SamlResult<{ certificates: IdpCertificate[] }> {
  const certificates: IdpCertificate[] = [];
  for (const [i, c] of input.entries()) {
    const cert = parseCertificate(certificateBody(c));
    if (!cert)
      return fail('malformed', `IdP certificate ${i + 1} is not a valid X.509 certificate.`);
    certificates.push(cert);
  }
  return { ok: true, certificates };
}
