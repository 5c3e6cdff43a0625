import { createPrivateKey } from 'node:crypto';
import { importPKCS8 } from 'jose';
import * as client from 'openid-client';
import { SsoError } from './errors.js';
import { describeFetchError, type FetchLike, idpFetch } from './http.js';
import { isLoopbackHttp, type OidcSettings, settingsFingerprint } from './settings.js';

/**
 * Discovery documents, fetched on first use and kept per connection. Nothing here runs at
 * start-up, so an IdP that is down never stops Gatehouse from starting or serving other
 * connections; a failure is remembered with a reason a person can read, and retried after a
 * short pause rather than on every click.
 */

export interface ConnectionHealth {
  /** When discovery last succeeded, ISO. */
  discoveredAt: string | null;
  /** When the last attempt failed, ISO, and why. */
  failedAt: string | null;
  failure: string | null;
}

export interface DiscoveryOptions {
  now: () => number;
  fetch: FetchLike;
  timeoutMs: number;
  /** Re-discover after this long (default 1 hour). */
  refreshMs?: number;
  /** After a failure, do not ask the IdP again for this long (default 30 s). */
  retryMs?: number;
  /**
   * Whether plain-http endpoints are accepted for an issuer. Default: only when the issuer
   * itself is a loopback http URL (local IdPs, tests).
   */
  allowHttp?: (issuer: string) => boolean;
}

interface Entry {
  fingerprint: string;
  config: client.Configuration | null;
  fetchedAt: number;
  failedAt: number | null;
  failure: SsoError | null;
  inflight: Promise<client.Configuration> | null;
}

function algFor(pem: string): string {
  const key = createPrivateKey(pem);
  const type = key.asymmetricKeyType;
  if (type === 'rsa') return 'RS256';
  if (type === 'rsa-pss') return 'PS256';
  if (type === 'ed25519') return 'EdDSA';
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return 'ES256';
    if (curve === 'secp384r1') return 'ES384';
    if (curve === 'secp521r1') return 'ES512';
  }
  throw new Error(`unsupported private key type ${type ?? 'unknown'}`);
}

async function clientAuth(s: OidcSettings): Promise<client.ClientAuth> {
  if (s.tokenAuth === 'private_key_jwt') {
    if (!s.privateKey) {
      throw new SsoError(
        'connection_misconfigured',
        'token_auth private_key_jwt without private_key',
      );
    }
    let key: Awaited<ReturnType<typeof importPKCS8>>;
    try {
      key = await importPKCS8(s.privateKey, algFor(s.privateKey));
    } catch (e) {
      throw new SsoError(
        'connection_misconfigured',
        `private_key is not a usable PKCS#8 PEM key: ${(e as Error).message}`,
      );
    }
    return client.PrivateKeyJwt(s.privateKeyId ? { key, kid: s.privateKeyId } : key);
  }
  if (!s.clientSecret) {
    throw new SsoError(
      'connection_misconfigured',
      `token_auth ${s.tokenAuth} without client_secret`,
    );
  }
  return s.tokenAuth === 'client_secret_post'
    ? client.ClientSecretPost(s.clientSecret)
    : client.ClientSecretBasic(s.clientSecret);
}

/** Turns what openid-client says about a discovery failure into a reason. */
function discoveryFailure(e: unknown, issuer: string): SsoError {
  if (e instanceof SsoError) return e;
  const err = e as { code?: string; message?: string; cause?: unknown };
  if (err.code === 'OAUTH_RESPONSE_IS_NOT_CONFORM') {
    const status = (err.cause as { status?: number } | undefined)?.status;
    return new SsoError(
      'idp_unavailable',
      `discovery at ${issuer} answered HTTP ${status ?? '?'}`,
      e,
    );
  }
  if (err.code === 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED') {
    return new SsoError(
      'discovery_invalid',
      `the discovery document of ${issuer} names another issuer`,
      e,
    );
  }
  if (
    err.code === 'OAUTH_RESPONSE_IS_NOT_JSON' ||
    err.code === 'OAUTH_INVALID_RESPONSE' ||
    err.code === 'OAUTH_PARSE_ERROR'
  ) {
    return new SsoError(
      'discovery_invalid',
      `the discovery document of ${issuer} is not valid: ${err.message ?? ''}`,
      e,
    );
  }
  return new SsoError(
    'idp_unavailable',
    `discovery at ${issuer} failed: ${describeFetchError(e)}`,
    e,
  );
}

export interface DiscoveryCache {
  /** The openid-client Configuration for a connection, discovering it if needed. */
  configuration(s: OidcSettings): Promise<client.Configuration>;
  health(id: string): ConnectionHealth;
  /** Forget a connection (changed or deleted). */
  forget(id: string): void;
}

export function discoveryCache(opts: DiscoveryOptions): DiscoveryCache {
  const refreshMs = opts.refreshMs ?? 60 * 60_000;
  const retryMs = opts.retryMs ?? 30_000;
  const entries = new Map<string, Entry>();
  const fetcher = idpFetch(opts.fetch, opts.timeoutMs);
  const allowHttp = opts.allowHttp ?? isLoopbackHttp;

  async function discover(s: OidcSettings): Promise<client.Configuration> {
    if (!s.issuer.startsWith('https://') && !isLoopbackHttp(s.issuer)) {
      throw new SsoError('connection_misconfigured', 'the issuer must be an https URL');
    }
    const auth = await clientAuth(s);
    const metadata: Partial<client.ClientMetadata> = {
      id_token_signed_response_alg: s.alg,
      [client.clockTolerance]: s.clockToleranceSec,
      ...(s.clientSecret && s.tokenAuth !== 'private_key_jwt'
        ? { client_secret: s.clientSecret }
        : {}),
    };
    try {
      return await client.discovery(new URL(s.issuer), s.clientId, metadata, auth, {
        [client.customFetch]: fetcher,
        timeout: Math.ceil(opts.timeoutMs / 1000),
        execute: allowHttp(s.issuer) ? [client.allowInsecureRequests] : [],
      });
    } catch (e) {
      throw discoveryFailure(e, s.issuer);
    }
  }

  return {
    async configuration(s) {
      const fp = settingsFingerprint(s);
      let entry = entries.get(s.id);
      if (!entry || entry.fingerprint !== fp) {
        entry = {
          fingerprint: fp,
          config: null,
          fetchedAt: 0,
          failedAt: null,
          failure: null,
          inflight: null,
        };
        entries.set(s.id, entry);
      }
      const e = entry;
      const now = opts.now();
      const fresh = e.config && now - e.fetchedAt < refreshMs;
      if (fresh && e.config) return e.config;
      if (e.failure && e.failedAt !== null && now - e.failedAt < retryMs) {
        // Recently failed: a stale document still serves; otherwise fail fast with the reason.
        if (e.config) return e.config;
        throw e.failure;
      }
      if (!e.inflight) {
        e.inflight = discover(s)
          .then((config) => {
            e.config = config;
            e.fetchedAt = opts.now();
            e.failure = null;
            e.failedAt = null;
            return config;
          })
          .catch((err: unknown) => {
            e.failure = discoveryFailure(err, s.issuer);
            e.failedAt = opts.now();
            throw e.failure;
          })
          .finally(() => {
            e.inflight = null;
          });
      }
      try {
        return await e.inflight;
      } catch (err) {
        // A refresh that fails keeps the last good document: the IdP's keys and endpoints
        // rarely change, and a short outage of its discovery URL should not stop sign-ins.
        if (e.config) return e.config;
        throw err;
      }
    },
    health(id) {
      const e = entries.get(id);
      return {
        discoveredAt: e?.config ? new Date(e.fetchedAt).toISOString() : null,
        failedAt: e?.failedAt != null ? new Date(e.failedAt).toISOString() : null,
        failure: e?.failure
          ? `${e.failure.message} (${e.failure.detail ?? e.failure.reason})`
          : null,
      };
    },
    forget(id) {
      entries.delete(id);
    },
  };
}
