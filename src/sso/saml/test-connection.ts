import type { ConnectionCheck } from '../protocol.js';
import type { SsoUrls } from '../urls.js';
import { certificateWarnings } from './idp-metadata.js';
import type { IdpSource } from './idp-source.js';
import { presetOf, type SamlConnectionConfig, spKeys, spUrls } from './settings.js';

export interface SamlTestDeps {
  urls: SsoUrls;
  idps: IdpSource;
  publicUrlConfigured: boolean;
  now: Date;
}

const day = (d: Date): string => d.toISOString().slice(0, 10);

/**
 * "Test connection" for SAML: the IdP metadata (reachable and valid), its certificates and their
 * expiry (a warning 30 days ahead), and the values the IdP admin copies from Gatehouse.
 */
export async function samlTestConnection(
  c: SamlConnectionConfig,
  deps: SamlTestDeps,
): Promise<ConnectionCheck[]> {
  const checks: ConnectionCheck[] = [];
  const u = spUrls(c, deps.urls);
  checks.push(
    deps.publicUrlConfigured
      ? {
          check: 'sp_urls',
          status: 'ok',
          message: `ACS URL (Okta "Single sign on URL", Entra "Reply URL"): ${u.acsUrl}; entity id (Okta "Audience URI", Entra "Identifier"): ${u.entityId}.`,
        }
      : {
          check: 'sp_urls',
          status: 'warning',
          message: `GATEHOUSE_PUBLIC_URL is not set, so the ACS URL ${u.acsUrl} and entity id ${u.entityId} are built from the default; set it to the address browsers use before registering them at the IdP.`,
        },
  );

  deps.idps.forget(c.id);
  const r = await deps.idps.resolve(c);
  if (!r.ok) {
    checks.push({ check: 'idp_metadata', status: 'error', message: r.message });
    return checks;
  }
  const { resolved } = r;
  const from =
    resolved.source === 'metadata_url'
      ? `fetched from ${c.idp_metadata_url}`
      : resolved.source === 'metadata_xml'
        ? 'from the pasted metadata XML'
        : 'entered by hand';
  checks.push({
    check: 'idp_metadata',
    status: 'ok',
    message: `IdP ${resolved.idp.entityId} ${from}: sign-in at ${resolved.idp.ssoUrl}${resolved.idp.sloUrl ? `, single logout at ${resolved.idp.sloUrl}` : ', no single logout'}; attribute preset ${presetOf(c, resolved.idp.entityId)}.`,
  });

  const warnings = certificateWarnings(resolved.certificates, deps.now);
  for (const cert of resolved.certificates) {
    const w = warnings.find((x) => x.fingerprintSha256 === cert.fingerprintSha256);
    checks.push({
      check: 'idp_certificate',
      status: w ? (w.expired ? 'error' : 'warning') : 'ok',
      message: w
        ? w.expired
          ? `IdP certificate ${cert.fingerprintSha256} expired on ${day(cert.notAfter)}; responses signed with it will be refused once the IdP rolls over. Add the new certificate.`
          : `IdP certificate ${cert.fingerprintSha256} expires on ${day(cert.notAfter)}, within 30 days: add its successor to the connection (or refresh the metadata) before then.`
        : `IdP certificate ${cert.fingerprintSha256} (${cert.subject}) is valid until ${day(cert.notAfter)}.`,
    });
  }

  const keys = spKeys(c);
  if (keys.length === 0) {
    checks.push({
      check: 'sp_key',
      status: c.sign_authn_requests ? 'error' : 'warning',
      message: c.sign_authn_requests
        ? 'sign_authn_requests is on, but the connection has no SP key pair (sp_private_key, sp_certificate).'
        : 'The connection has no SP key pair: AuthnRequests go unsigned, assertions cannot be encrypted and single logout is off.',
    });
  } else {
    checks.push({
      check: 'sp_key',
      status: 'ok',
      message: `${keys.length} SP certificate(s) published in ${u.metadataUrl}.`,
    });
  }
  return checks;
}
