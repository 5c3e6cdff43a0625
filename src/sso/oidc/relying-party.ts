import type { JWTPayload } from 'jose';
import * as client from 'openid-client';
import { callbackFailure } from './callback-errors.js';
import {
  completeEntraGroups,
  type EntraGroupLookup,
  entraOverage,
  type IdentityDraft,
  mapClaims,
} from './claims.js';
import { type ConnectionHealth, type DiscoveryCache, discoveryCache } from './discovery.js';
import { SsoError } from './errors.js';
import { cappedFetch, DEFAULT_TIMEOUT_MS, describeFetchError, type FetchLike } from './http.js';
import { verifyIdToken } from './id-token.js';
import { type JwksCache, jwksCache } from './jwks.js';
import type { OidcSettings } from './settings.js';
import { type ConnectionCheck, testOidcConnection } from './test-connection.js';

/**
 * The OIDC relying party: authorization request, callback, logout URL, Test connection. No
 * HTTP routes and no storage here: the caller keeps the login state (src/access/login-states.ts)
 * and hands the result to the sign-in pipeline. Time comes from `now`, HTTP from `fetch`.
 */

export interface RelyingPartyOptions {
  /** Epoch milliseconds (default Date.now). */
  now?: () => number;
  fetch?: FetchLike;
  timeoutMs?: number;
  discoveryRefreshMs?: number;
  discoveryRetryMs?: number;
  jwksMaxAgeMs?: number;
  jwksCooldownMs?: number;
  /** See DiscoveryOptions.allowHttp; tests that stand in for Microsoft's hosts use it. */
  allowHttp?: (issuer: string) => boolean;
}

/** What the caller stores in the login state, and gets back at the callback. */
export interface OidcLoginSecrets {
  state: string;
  nonce: string;
  codeVerifier: string;
}

export interface StartOptions {
  redirectUri: string;
  /** Passed through when it is one of OIDC's values. */
  prompt?: string | null;
  /** Passed through (trimmed, at most 256 characters, printable). */
  loginHint?: string | null;
}

export interface FinishInput {
  /** The callback's query string (or its parameters): code, state, iss, or error. */
  callbackParams: URLSearchParams | string;
  /** The exact redirect URI the login was started with. */
  redirectUri: string;
  login: OidcLoginSecrets;
  /** Entra: reads groups from Microsoft Graph (overage, names, app assignment). */
  entraGroups?: EntraGroupLookup | null;
}

export interface FinishResult {
  identity: IdentityDraft;
  /** For RP-initiated logout (`id_token_hint`); keep it server-side only, never log it. */
  idToken: string;
  /** Things that went wrong without failing the sign-in (Graph, userinfo), for the log. */
  problems: string[];
}

const PROMPTS = new Set(['login', 'consent', 'select_account', 'none']);

function cleanHint(hint: string | null | undefined): string | null {
  const h = hint?.trim();
  if (!h || h.length > 256 || [...h].some((c) => c.charCodeAt(0) < 0x20 || c === '\x7f'))
    return null;
  return h;
}

export interface RelyingParty {
  start(s: OidcSettings, opts: StartOptions): Promise<{ url: string; login: OidcLoginSecrets }>;
  finish(s: OidcSettings, input: FinishInput): Promise<FinishResult>;
  /** Where to send the browser for RP-initiated logout; null when the IdP offers none. */
  logoutUrl(
    s: OidcSettings,
    opts: { idTokenHint?: string | null; postLogoutRedirectUri?: string | null },
  ): Promise<string | null>;
  test(
    s: OidcSettings,
    opts: { publicUrl: string | null; callbackPath: string },
  ): Promise<ConnectionCheck[]>;
  health(id: string): ConnectionHealth;
  forget(id: string): void;
}

export function oidcRelyingParty(opts: RelyingPartyOptions = {}): RelyingParty {
  const now = opts.now ?? Date.now;
  const fetchImpl: FetchLike = cappedFetch(opts.fetch ?? ((url, init) => fetch(url, init)));
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const discovery: DiscoveryCache = discoveryCache({
    now,
    fetch: fetchImpl,
    timeoutMs,
    ...(opts.discoveryRefreshMs !== undefined ? { refreshMs: opts.discoveryRefreshMs } : {}),
    ...(opts.discoveryRetryMs !== undefined ? { retryMs: opts.discoveryRetryMs } : {}),
    ...(opts.allowHttp ? { allowHttp: opts.allowHttp } : {}),
  });
  const keys: JwksCache = jwksCache({
    now,
    fetch: fetchImpl,
    timeoutMs,
    ...(opts.jwksMaxAgeMs !== undefined ? { maxAgeMs: opts.jwksMaxAgeMs } : {}),
    ...(opts.jwksCooldownMs !== undefined ? { cooldownMs: opts.jwksCooldownMs } : {}),
  });

  async function configuration(s: OidcSettings): Promise<client.Configuration> {
    if (!s.enabled) throw new SsoError('connection_disabled');
    return discovery.configuration(s);
  }

  function expectedIssuer(s: OidcSettings, discovered: string): (p: JWTPayload) => string | null {
    return (p) => {
      if (s.multiTenant && discovered.includes('{tenantid}')) {
        // Microsoft's tenant-independent document: the token's own (verified) tenant fills it in;
        // the allow-list is checked when the claims are mapped.
        const tid = typeof p.tid === 'string' ? p.tid : null;
        return tid && /^[0-9a-f-]{36}$/i.test(tid) ? discovered.replace('{tenantid}', tid) : null;
      }
      return discovered;
    };
  }

  return {
    async start(s, o) {
      const config = await configuration(s);
      const login: OidcLoginSecrets = {
        state: client.randomState(),
        nonce: client.randomNonce(),
        codeVerifier: client.randomPKCECodeVerifier(),
      };
      const params: Record<string, string> = {
        redirect_uri: o.redirectUri,
        response_type: 'code',
        scope: s.scopes.join(' '),
        state: login.state,
        nonce: login.nonce,
        code_challenge: await client.calculatePKCECodeChallenge(login.codeVerifier),
        code_challenge_method: 'S256',
      };
      if (o.prompt && PROMPTS.has(o.prompt)) params.prompt = o.prompt;
      const hint = cleanHint(o.loginHint);
      if (hint) params.login_hint = hint;
      return { url: client.buildAuthorizationUrl(config, params).href, login };
    },

    async finish(s, input) {
      const config = await configuration(s);
      const meta = config.serverMetadata();
      const current = new URL(input.redirectUri);
      current.search = new URLSearchParams(input.callbackParams).toString();
      let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
      try {
        tokens = await client.authorizationCodeGrant(config, current, {
          pkceCodeVerifier: input.login.codeVerifier,
          expectedState: input.login.state,
          expectedNonce: input.login.nonce,
          idTokenExpected: true,
        });
      } catch (e) {
        throw callbackFailure(e);
      }
      const idToken = tokens.id_token;
      if (!idToken) throw new SsoError('id_token_invalid', 'no id_token in the token response');
      if (!meta.jwks_uri) throw new SsoError('discovery_invalid', 'the IdP publishes no jwks_uri');
      const payload = await verifyIdToken(idToken, keys, {
        jwksUri: meta.jwks_uri,
        alg: s.alg,
        clientId: s.clientId,
        expectedIssuer: expectedIssuer(s, meta.issuer),
        nonce: input.login.nonce,
        toleranceSec: s.clockToleranceSec,
        now: new Date(now()),
      });

      const problems: string[] = [];
      const needGroups =
        s.provider !== 'entra' && payload[s.claims.groups] === undefined && !entraOverage(payload);
      const needEmail = payload[s.claims.email] === undefined;
      let userinfo: Record<string, unknown> | null = null;
      let groupsUnknown = false;
      if ((needGroups || needEmail) && meta.userinfo_endpoint && tokens.access_token) {
        try {
          userinfo = (await client.fetchUserInfo(
            config,
            tokens.access_token,
            payload.sub ?? '',
          )) as Record<string, unknown>;
        } catch (e) {
          const code = (e as { code?: string }).code;
          if (code === 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED') {
            throw new SsoError(
              'userinfo_subject_mismatch',
              'userinfo sub differs from the id_token',
              e,
            );
          }
          problems.push(`userinfo failed: ${describeFetchError(e)}`);
          groupsUnknown = needGroups;
        }
      }
      const mapped = mapClaims(s, payload, userinfo);
      const completed = await completeEntraGroups(mapped, input.entraGroups ?? null);
      problems.push(...completed.problems);
      const identity = groupsUnknown
        ? { ...completed.identity, groupsComplete: false }
        : completed.identity;
      return { identity, idToken, problems };
    },

    async logoutUrl(s, o) {
      const config = await discovery.configuration(s);
      if (!config.serverMetadata().end_session_endpoint) return null;
      const params: Record<string, string> = { client_id: s.clientId };
      if (o.idTokenHint) params.id_token_hint = o.idTokenHint;
      if (o.postLogoutRedirectUri) params.post_logout_redirect_uri = o.postLogoutRedirectUri;
      return client.buildEndSessionUrl(config, params).href;
    },

    test: (s, o) => testOidcConnection({ discovery, keys }, s, o),
    health: (id) => discovery.health(id),
    forget: (id) => discovery.forget(id),
  };
}
