import { createHash } from 'node:crypto';
import type { ConnectionConfig } from '../../config/schema.js';

export type OidcConnectionConfig = Extract<ConnectionConfig, { type: 'oidc' }>;
export type OidcProvider = 'okta' | 'entra' | 'generic';

/**
 * What the OIDC core needs to know about one connection, with every default resolved. Secrets
 * arrive decrypted (from the config file or the secret box); the core never stores them.
 */
export interface OidcSettings {
  id: string;
  displayName: string;
  enabled: boolean;
  provider: OidcProvider;
  issuer: string;
  clientId: string;
  clientSecret: string | null;
  tokenAuth: 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';
  privateKey: string | null;
  privateKeyId: string | null;
  scopes: string[];
  claims: { email: string; name: string; groups: string; roles: string };
  alg: string;
  clockToleranceSec: number;
  /** Entra only: tenant ids allowed to sign in (required for multi-tenant issuers). */
  allowedTenants: string[] | null;
  /** Entra `common`/`organizations`: the issuer in tokens is per tenant. */
  multiTenant: boolean;
}

const ENTRA_HOSTS = new Set([
  'login.microsoftonline.com',
  'login.microsoftonline.us',
  'login.partner.microsoftonline.cn',
  'login.chinacloudapi.cn',
]);

export function inferProvider(issuer: string): OidcProvider {
  let host: string;
  try {
    host = new URL(issuer).hostname.toLowerCase();
  } catch {
    return 'generic';
  }
  if (ENTRA_HOSTS.has(host)) return 'entra';
  if (/\.(okta|oktapreview|okta-emea|okta-gov)\.com$/.test(host)) return 'okta';
  return 'generic';
}

const MULTI_TENANT = /\/(common|organizations)\/v2\.0\/?$/;

export function oidcSettings(c: OidcConnectionConfig): OidcSettings {
  const issuer = c.issuer.replace(/\/+$/, '');
  return {
    id: c.id,
    displayName: c.display_name ?? c.id,
    enabled: c.enabled,
    provider: c.provider ?? inferProvider(issuer),
    issuer,
    clientId: c.client_id,
    clientSecret: c.client_secret ?? null,
    tokenAuth: c.token_auth,
    privateKey: c.private_key ?? null,
    privateKeyId: c.private_key_id ?? null,
    scopes: c.scopes.includes('openid') ? c.scopes : ['openid', ...c.scopes],
    claims: c.claims,
    alg: c.id_token_alg ?? c.id_token_signed_response_alg ?? 'RS256',
    clockToleranceSec: c.clock_tolerance,
    allowedTenants: c.allowed_tenants ?? null,
    multiTenant: MULTI_TENANT.test(issuer),
  };
}

/** Changes whenever anything that shapes the client does (issuer, credentials, alg, …). */
export function settingsFingerprint(s: OidcSettings): string {
  return createHash('sha256')
    .update(
      JSON.stringify([
        s.issuer,
        s.clientId,
        s.clientSecret,
        s.tokenAuth,
        s.privateKey,
        s.privateKeyId,
        s.alg,
        s.clockToleranceSec,
      ]),
    )
    .digest('hex');
}

/** Plain http only for loopback (tests, local IdPs); everything else must be https. */
export function isLoopbackHttp(url: string): boolean {
  return /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/.test(url);
}
