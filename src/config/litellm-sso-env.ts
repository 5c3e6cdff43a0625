import { z } from 'zod';
import { oidcConnectionSchema } from './connection-schema.js';
import type { ConnectionConfig } from './schema.js';

/**
 * LiteLLM configures its one SSO provider through environment variables. This turns them into
 * Gatehouse connections (`microsoft`, `generic`) so a LiteLLM deployment moves over without
 * re-registering anything at the IdP, and explains, one log line per variable, what was taken
 * and what Gatehouse does differently. Pure: the caller passes the environment and logs the lines.
 */

export type OidcConnection = Extract<ConnectionConfig, { type: 'oidc' }>;

export interface LiteLlmSsoResult {
  connections: OidcConnection[];
  /** Which connection answers LiteLLM's own URLs, so the redirect URI registered for LiteLLM stays valid. */
  litellmRoutes: { connection: string; loginPath: string; callbackPath: string } | null;
  /** From PROXY_BASE_URL, when GATEHOUSE_PUBLIC_URL is not set. */
  publicUrl: string | null;
  /** One line per variable taken or ignored, and per difference in behaviour. */
  log: string[];
  /** Variables that could not be used; the connection they belong to was not created. */
  problems: string[];
}

export const LITELLM_LOGIN_PATH = '/sso/key/generate';
export const LITELLM_CALLBACK_PATH = '/sso/callback';

const TAKEN = new Set([
  'MICROSOFT_CLIENT_ID',
  'MICROSOFT_CLIENT_SECRET',
  'MICROSOFT_TENANT',
  'MICROSOFT_SERVICE_PRINCIPAL_ID',
  'GENERIC_CLIENT_ID',
  'GENERIC_CLIENT_SECRET',
  'GENERIC_AUTHORIZATION_ENDPOINT',
  'GENERIC_TOKEN_ENDPOINT',
  'GENERIC_USERINFO_ENDPOINT',
  'GENERIC_SCOPE',
  'GENERIC_USER_EMAIL_ATTRIBUTE',
  'GENERIC_USER_ROLE_ATTRIBUTE',
  'PROXY_BASE_URL',
]);

/** LiteLLM attribute variables that name a claim Gatehouse also reads. */
const CLAIM_VARS: [string, 'email' | 'roles'][] = [
  ['GENERIC_USER_EMAIL_ATTRIBUTE', 'email'],
  ['GENERIC_USER_ROLE_ATTRIBUTE', 'roles'],
];

/** What LiteLLM settings that Gatehouse does not take mean here instead. */
const NOT_TAKEN: Record<string, string> = {
  GENERIC_CLIENT_STATE:
    'not used: Gatehouse makes a fresh random state per sign-in and binds it to the browser',
  GENERIC_CLIENT_USE_PKCE: 'not needed: Gatehouse always uses PKCE (S256), state and nonce',
  GENERIC_INCLUDE_CLIENT_ID:
    'not used: the client authenticates with token_auth (default client_secret_basic)',
  GENERIC_USER_ID_ATTRIBUTE:
    'not used: a person is keyed by the id_token `sub` (immutable), never by a mutable attribute',
  MICROSOFT_AUTHORIZATION_ENDPOINT: 'not used: endpoints come from the tenant’s discovery document',
  MICROSOFT_TOKEN_ENDPOINT: 'not used: endpoints come from the tenant’s discovery document',
  MICROSOFT_USERINFO_ENDPOINT:
    'not used: identity comes from the verified id_token, groups from Microsoft Graph',
};

function value(env: Readonly<Record<string, string | undefined>>, name: string): string | null {
  const v = env[name]?.trim();
  return v ? v : null;
}

const TENANT = /^[A-Za-z0-9][A-Za-z0-9.-]{0,253}$/;

/**
 * The issuer behind a LiteLLM generic authorization endpoint, for the IdPs whose URL layout is
 * known; anything else is refused rather than guessed, because a wrong issuer fails every login.
 */
export function issuerFromAuthorizationEndpoint(endpoint: string): string | null {
  let u: URL;
  try {
    u = new URL(endpoint);
  } catch {
    return null;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return null;
  const p = u.pathname;
  const patterns: [RegExp, (m: RegExpExecArray) => string][] = [
    // Okta org server /oauth2/v1/authorize; custom server /oauth2/{id}/v1/authorize
    [/^\/oauth2\/v1\/authorize\/?$/, () => ''],
    [/^(\/oauth2\/[A-Za-z0-9]+)\/v1\/authorize\/?$/, (m) => m[1] ?? ''],
    // Entra v2 /{tenant}/oauth2/v2.0/authorize
    [/^(\/[^/]+)\/oauth2\/v2\.0\/authorize\/?$/, (m) => `${m[1] ?? ''}/v2.0`],
    // Keycloak /realms/{realm}/protocol/openid-connect/auth (and the older /auth/realms/…)
    [/^((?:\/auth)?\/realms\/[^/]+)\/protocol\/openid-connect\/auth\/?$/, (m) => m[1] ?? ''],
    // Auth0, Ping, oidc-provider and most others: {issuer}/authorize or {issuer}/auth
    [/^(.*?)\/(authorize|auth)\/?$/, (m) => m[1] ?? ''],
  ];
  for (const [re, issuerPath] of patterns) {
    const m = re.exec(p);
    if (m) return `${u.origin}${issuerPath(m)}`;
  }
  return null;
}

function scopesFrom(raw: string): string[] {
  const list = raw.split(/[\s,]+/).filter(Boolean);
  return list.includes('openid') ? list : ['openid', ...list];
}

export function connectionsFromLiteLlmEnv(
  env: Readonly<Record<string, string | undefined>>,
): LiteLlmSsoResult {
  const log: string[] = [];
  const problems: string[] = [];
  const connections: OidcConnection[] = [];

  const msClient = value(env, 'MICROSOFT_CLIENT_ID');
  if (msClient) {
    const secret = value(env, 'MICROSOFT_CLIENT_SECRET');
    const tenant = value(env, 'MICROSOFT_TENANT');
    const sp = value(env, 'MICROSOFT_SERVICE_PRINCIPAL_ID');
    if (!tenant) {
      problems.push(
        'MICROSOFT_TENANT is not set: LiteLLM then signs in users of any Entra tenant ("common"); Gatehouse needs your tenant id, so the microsoft connection was not created',
      );
    } else if (!TENANT.test(tenant) || ['common', 'organizations', 'consumers'].includes(tenant)) {
      problems.push(
        `MICROSOFT_TENANT "${tenant}" is not a single tenant: set your tenant id (a GUID) or domain, so the microsoft connection was not created`,
      );
    } else if (!secret) {
      problems.push(
        'MICROSOFT_CLIENT_SECRET is not set, so the microsoft connection was not created',
      );
    } else {
      connections.push(
        oidcConnectionSchema.parse({
          id: 'microsoft',
          type: 'oidc',
          provider: 'entra',
          display_name: 'Microsoft',
          issuer: `https://login.microsoftonline.com/${tenant}/v2.0`,
          client_id: msClient,
          client_secret: secret,
          scopes: ['openid', 'profile', 'email'],
          microsoft_graph: {
            tenant_id: tenant,
            client_id: msClient,
            client_secret: secret,
            ...(sp ? { service_principal_id: sp } : {}),
          },
        }),
      );
      log.push(
        'MICROSOFT_CLIENT_ID: client_id of the microsoft connection (and of its Graph access)',
      );
      log.push(
        'MICROSOFT_CLIENT_SECRET: client_secret of the microsoft connection (and of its Graph access)',
      );
      log.push(
        `MICROSOFT_TENANT: issuer https://login.microsoftonline.com/${tenant}/v2.0, endpoints from its discovery document; only this tenant's users are accepted`,
      );
      log.push(
        'microsoft: groups are read from Microsoft Graph with the app’s own permission (GroupMember.Read.All, application, admin consent), not with the signed-in user’s token; transitive memberships count; app roles come from the verified id_token `roles` claim',
      );
      if (sp) {
        log.push(
          'MICROSOFT_SERVICE_PRINCIPAL_ID: microsoft_graph.service_principal_id; every page of appRoleAssignedTo is read (LiteLLM read only the first 100)',
        );
      }
    }
  }

  const genClient = value(env, 'GENERIC_CLIENT_ID');
  if (genClient) {
    const secret = value(env, 'GENERIC_CLIENT_SECRET');
    const authz = value(env, 'GENERIC_AUTHORIZATION_ENDPOINT');
    const issuer = authz ? issuerFromAuthorizationEndpoint(authz) : null;
    if (!secret) {
      problems.push('GENERIC_CLIENT_SECRET is not set, so the generic connection was not created');
    } else if (!authz) {
      problems.push(
        'GENERIC_AUTHORIZATION_ENDPOINT is not set, so the generic connection was not created',
      );
    } else if (!issuer) {
      problems.push(
        `GENERIC_AUTHORIZATION_ENDPOINT ${authz}: its issuer could not be worked out; add the connection to sso.connections with its issuer, so the generic connection was not created`,
      );
    } else {
      const scopeRaw = value(env, 'GENERIC_SCOPE');
      const scopes = scopesFrom(scopeRaw ?? 'openid email profile');
      const claims: Record<string, string> = {};
      const claimLog: string[] = [];
      for (const [name, key] of CLAIM_VARS) {
        const v = value(env, name);
        if (!v) continue;
        if (v.includes('.')) {
          claimLog.push(
            `${name}: not used, nested (dotted) claim paths are not supported; the ${key} claim stays "${key}"`,
          );
        } else {
          claims[key] = v;
          claimLog.push(
            `${name}: claims.${key} = "${v}", read from the verified id_token or userinfo`,
          );
        }
      }
      const parsed = oidcConnectionSchema.safeParse({
        id: 'generic',
        type: 'oidc',
        display_name: 'Single sign-on',
        issuer,
        client_id: genClient,
        client_secret: secret,
        scopes,
        claims,
      });
      if (!parsed.success) {
        problems.push(
          `GENERIC_*: the connection is not valid (${z.prettifyError(parsed.error).replace(/\n/g, '; ')}), so it was not created`,
        );
      } else {
        connections.push(parsed.data);
        log.push('GENERIC_CLIENT_ID: client_id of the generic connection');
        log.push(
          'GENERIC_CLIENT_SECRET: client_secret of the generic connection, sent with client_secret_basic',
        );
        log.push(
          `GENERIC_AUTHORIZATION_ENDPOINT: issuer ${issuer}; every endpoint is read from ${issuer}/.well-known/openid-configuration and the id_token is verified against its keys`,
        );
        for (const name of ['GENERIC_TOKEN_ENDPOINT', 'GENERIC_USERINFO_ENDPOINT']) {
          const v = value(env, name);
          if (!v) continue;
          let sameHost = false;
          try {
            sameHost = new URL(v).host === new URL(authz).host;
          } catch {
            sameHost = false;
          }
          log.push(
            `${name}: not used, the discovery document names it${sameHost ? '' : ` (warning: ${v} is on another host than the authorization endpoint)`}`,
          );
        }
        log.push(
          scopeRaw
            ? `GENERIC_SCOPE: scopes ${scopes.join(' ')}${scopeRaw.split(/[\s,]+/).includes('openid') ? '' : ' (openid added: Gatehouse needs an id_token)'}`
            : 'generic: scopes openid email profile (LiteLLM’s default)',
        );
        log.push(...claimLog);
        log.push(
          'generic: groups and roles come from the verified id_token, then from userinfo when the id_token lacks them; an access token is never decoded for claims',
        );
      }
    }
  }

  const both =
    connections.some((c) => c.id === 'microsoft') && connections.some((c) => c.id === 'generic');
  const routesTo = connections[0]?.id ?? null;
  if (both) {
    log.push(
      'MICROSOFT_* and GENERIC_* are both set: LiteLLM used only Microsoft; Gatehouse offers both connections and answers LiteLLM’s URLs with microsoft',
    );
  }

  let publicUrl: string | null = null;
  const gatehouseUrl = value(env, 'GATEHOUSE_PUBLIC_URL');
  const proxyBase = value(env, 'PROXY_BASE_URL');
  if (proxyBase && gatehouseUrl) {
    log.push('PROXY_BASE_URL: not used, GATEHOUSE_PUBLIC_URL is set and wins');
  } else if (proxyBase) {
    if (/^https?:\/\/[^/?#]+(\/[^?#]*)?$/.test(proxyBase)) {
      publicUrl = proxyBase.replace(/\/+$/, '');
      log.push(`PROXY_BASE_URL: public URL ${publicUrl} (as GATEHOUSE_PUBLIC_URL)`);
    } else {
      problems.push(
        `PROXY_BASE_URL "${proxyBase}" is not an http(s) URL with a scheme; set GATEHOUSE_PUBLIC_URL`,
      );
    }
  }
  if (routesTo) {
    const base = publicUrl ?? gatehouseUrl?.replace(/\/+$/, '') ?? '';
    log.push(
      `${routesTo}: LiteLLM's redirect URI ${base}${LITELLM_CALLBACK_PATH} keeps working (${LITELLM_LOGIN_PATH} starts the login); Gatehouse's own is ${base}/sso/${routesTo}/callback`,
    );
  }

  for (const name of Object.keys(env).sort()) {
    if (!/^(MICROSOFT|GENERIC)_/.test(name) || TAKEN.has(name) || !value(env, name)) continue;
    log.push(`${name}: ${NOT_TAKEN[name] ?? 'not used by Gatehouse'}`);
  }

  return {
    connections,
    litellmRoutes: routesTo
      ? { connection: routesTo, loginPath: LITELLM_LOGIN_PATH, callbackPath: LITELLM_CALLBACK_PATH }
      : null,
    publicUrl,
    log,
    problems,
  };
}
