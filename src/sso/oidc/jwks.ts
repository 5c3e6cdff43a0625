import {
  createLocalJWKSet,
  errors,
  type FlattenedJWSInput,
  type JSONWebKeySet,
  type JWSHeaderParameters,
} from 'jose';
import { SsoError } from './errors.js';
import { describeFetchError, type FetchLike } from './http.js';

/**
 * The IdP signing keys, per `jwks_uri`: fetched on first use, kept for `maxAgeMs`, re-fetched
 * when a token names a `kid` we do not have (key rotation), but at most once per `cooldownMs`,
 * so forged tokens with random kids cannot turn Gatehouse into a flood against the IdP. A
 * refresh that fails keeps the keys we had.
 */

export interface JwksOptions {
  now: () => number;
  fetch: FetchLike;
  timeoutMs: number;
  /** Default 10 minutes. */
  maxAgeMs?: number;
  /** Default 30 s. */
  cooldownMs?: number;
}

export interface JwksStatus {
  keys: number;
  fetchedAt: string | null;
  failure: string | null;
}

type KeyResolver = ReturnType<typeof createLocalJWKSet>;
type ResolvedKey = Awaited<ReturnType<KeyResolver>>;

interface Entry {
  resolver: KeyResolver | null;
  keyCount: number;
  keyTypes: string[];
  fetchedAt: number;
  attemptedAt: number;
  failure: string | null;
  inflight: Promise<void> | null;
}

export interface JwksCache {
  /** A jose key resolver for tokens whose keys live at `uri`. */
  resolver(
    uri: string,
  ): (header: JWSHeaderParameters, token: FlattenedJWSInput) => Promise<ResolvedKey>;
  /** Fetches now (Test connection); throws SsoError when the set cannot be had. */
  load(uri: string): Promise<JwksStatus>;
  status(uri: string): JwksStatus;
  /** The `kty` of each key last fetched, or null before the first fetch. */
  keyTypes(uri: string): string[] | null;
}

export function jwksCache(opts: JwksOptions): JwksCache {
  const maxAgeMs = opts.maxAgeMs ?? 10 * 60_000;
  const cooldownMs = opts.cooldownMs ?? 30_000;
  const entries = new Map<string, Entry>();

  function entryFor(uri: string): Entry {
    let e = entries.get(uri);
    if (!e) {
      e = {
        resolver: null,
        keyCount: 0,
        keyTypes: [],
        fetchedAt: 0,
        attemptedAt: -Infinity,
        failure: null,
        inflight: null,
      };
      entries.set(uri, e);
    }
    return e;
  }

  async function fetchSet(uri: string, e: Entry): Promise<void> {
    e.attemptedAt = opts.now();
    try {
      const res = await opts.fetch(uri, {
        method: 'GET',
        headers: { accept: 'application/jwk-set+json, application/json' },
        redirect: 'manual',
        signal: AbortSignal.timeout(opts.timeoutMs),
      });
      if (res.status !== 200) {
        await res.body?.cancel();
        throw new Error(`HTTP ${res.status}`);
      }
      const body = (await res.json()) as JSONWebKeySet;
      if (!body || !Array.isArray(body.keys)) throw new Error('not a JWK Set');
      e.resolver = createLocalJWKSet(body);
      e.keyCount = body.keys.length;
      e.keyTypes = body.keys.map((k) => String(k.kty));
      e.fetchedAt = opts.now();
      e.failure = null;
    } catch (err) {
      e.failure = `keys at ${uri}: ${describeFetchError(err)}`;
      throw new SsoError('idp_unavailable', e.failure, err);
    }
  }

  function refresh(uri: string, e: Entry): Promise<void> {
    if (!e.inflight) {
      e.inflight = fetchSet(uri, e).finally(() => {
        e.inflight = null;
      });
    }
    return e.inflight;
  }

  async function ensure(uri: string, e: Entry): Promise<void> {
    const now = opts.now();
    if (e.resolver && now - e.fetchedAt < maxAgeMs) return;
    if (now - e.attemptedAt < cooldownMs && !e.inflight) {
      if (e.resolver) return; // stale but usable while the IdP's key URL is failing
      throw new SsoError('idp_unavailable', e.failure ?? `keys at ${uri} unavailable`);
    }
    try {
      await refresh(uri, e);
    } catch (err) {
      if (!e.resolver) throw err;
    }
  }

  return {
    resolver(uri) {
      return async (header, token) => {
        const e = entryFor(uri);
        await ensure(uri, e);
        const resolver = e.resolver;
        if (!resolver) throw new SsoError('idp_unavailable', `keys at ${uri} unavailable`);
        try {
          return await resolver(header, token);
        } catch (err) {
          if (!(err instanceof errors.JWKSNoMatchingKey)) throw err;
          // An unknown kid: the IdP may have rotated its keys. Ask again, but not too often.
          if (opts.now() - e.attemptedAt < cooldownMs) throw err;
          await refresh(uri, e).catch(() => undefined);
          if (!e.resolver) throw err;
          return e.resolver(header, token);
        }
      };
    },
    async load(uri) {
      const e = entryFor(uri);
      await refresh(uri, e);
      return this.status(uri);
    },
    keyTypes(uri) {
      const e = entries.get(uri);
      return e?.resolver ? e.keyTypes : null;
    },
    status(uri) {
      const e = entries.get(uri);
      return {
        keys: e?.keyCount ?? 0,
        fetchedAt: e?.resolver ? new Date(e.fetchedAt).toISOString() : null,
        failure: e?.failure ?? null,
      };
    },
  };
}
