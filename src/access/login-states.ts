import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { deriveKey, openWithKey, SecretBoxError, sealWithKey } from '../config/secret-box.js';
import type { Database } from '../db/schema.js';
import { hashSecret } from '../keys/secret.js';

/**
 * Records of sign-ins in progress, one per login started. The browser holds a random 256-bit
 * handle in a short-lived HttpOnly cookie; the table holds only its SHA-256, and the protocol
 * values (OIDC state, nonce, PKCE verifier; SAML request id) are sealed under a key derived from
 * the handle, so the table alone yields nothing an attacker can use. A record is consumed once,
 * atomically (`DELETE … RETURNING` on SQLite and PostgreSQL): a second callback with the same
 * handle, or a callback from a browser without it, finds nothing.
 */

export const LOGIN_STATE_COOKIE = 'gh_sso_state';
/** Only the SSO routes ever need the cookie. */
export const LOGIN_STATE_COOKIE_PATH = '/sso/';
export const DEFAULT_LOGIN_STATE_TTL_MS = 10 * 60_000;

export type LoginStateData =
  | { protocol: 'oidc'; state: string; nonce: string; codeVerifier: string }
  | { protocol: 'saml'; requestId: string };

export interface LoginState {
  connectionId: string;
  returnTo: string;
  data: LoginStateData;
  createdAt: string;
  expiresAt: string;
}

export type ConsumeResult =
  | { ok: true; state: LoginState }
  /**
   * `unknown`: no such record (no cookie, another browser's or a forged handle, or already
   * used); `expired`: too old; `wrong_connection`: started for another connection.
   */
  | { ok: false; reason: 'unknown' | 'expired' | 'wrong_connection' };

export interface LoginStateStore {
  create(input: {
    connectionId: string;
    returnTo: string;
    data: LoginStateData;
  }): Promise<{ handle: string; expiresAt: string }>;
  /** Removes the record whatever the outcome: a handle is good for one callback only. */
  consume(handle: string | undefined, connectionId: string): Promise<ConsumeResult>;
  /** Deletes records past their expiry; returns how many. */
  purgeExpired(): Promise<number>;
}

export interface LoginStateOptions {
  now: () => Date;
  ttlMs?: number;
}

/** Handles we issue are 43 base64url characters; anything else is refused before any query. */
const HANDLE_PATTERN = /^[A-Za-z0-9_-]{43}$/;

function payloadKey(handle: string): Buffer {
  return deriveKey(handle, 'gatehouse sso login state v1');
}

export function loginStateStore(db: Kysely<Database>, opts: LoginStateOptions): LoginStateStore {
  const ttlMs = opts.ttlMs ?? DEFAULT_LOGIN_STATE_TTL_MS;
  return {
    async create(input) {
      const handle = randomBytes(32).toString('base64url');
      const at = opts.now();
      const expiresAt = new Date(at.getTime() + ttlMs).toISOString();
      const handleHash = hashSecret(handle);
      const sealed = sealWithKey(
        payloadKey(handle),
        JSON.stringify(input.data),
        `${handleHash}|${input.connectionId}`,
      );
      await db
        .insertInto('sso_login_states')
        .values({
          handle_hash: handleHash,
          connection_id: input.connectionId,
          protocol: input.data.protocol,
          payload: sealed.toString('base64url'),
          return_to: input.returnTo,
          created_at: at.toISOString(),
          expires_at: expiresAt,
        })
        .execute();
      return { handle, expiresAt };
    },

    async consume(handle, connectionId) {
      if (!handle || !HANDLE_PATTERN.test(handle)) return { ok: false, reason: 'unknown' };
      const handleHash = hashSecret(handle);
      const row = await db
        .deleteFrom('sso_login_states')
        .where('handle_hash', '=', handleHash)
        .returningAll()
        .executeTakeFirst();
      if (!row) return { ok: false, reason: 'unknown' };
      if (Date.parse(row.expires_at) <= opts.now().getTime()) {
        return { ok: false, reason: 'expired' };
      }
      if (row.connection_id !== connectionId) return { ok: false, reason: 'wrong_connection' };
      let data: LoginStateData;
      try {
        data = JSON.parse(
          openWithKey(
            payloadKey(handle),
            Buffer.from(row.payload, 'base64url'),
            `${handleHash}|${row.connection_id}`,
          ),
        ) as LoginStateData;
      } catch (e) {
        // Only a row altered in the database gets here; to the person it is an unknown sign-in.
        if (e instanceof SecretBoxError) return { ok: false, reason: 'unknown' };
        throw e;
      }
      return {
        ok: true,
        state: {
          connectionId: row.connection_id,
          returnTo: row.return_to,
          data,
          createdAt: row.created_at,
          expiresAt: row.expires_at,
        },
      };
    },

    async purgeExpired() {
      const r = await db
        .deleteFrom('sso_login_states')
        .where('expires_at', '<=', opts.now().toISOString())
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}

export interface LoginStateCookieOptions {
  path: string;
  httpOnly: true;
  secure: boolean;
  sameSite: 'lax' | 'none';
  maxAge: number;
}

/**
 * The OIDC callback is a top-level GET from the IdP, which SameSite=Lax cookies accompany. The
 * SAML ACS is a cross-site POST, which only SameSite=None (and so Secure) cookies accompany; on
 * plain http (local trials) browsers refuse None, so Lax is used and SAML sign-in needs https.
 */
export function loginStateCookieOptions(
  protocol: LoginStateData['protocol'],
  secure: boolean,
  ttlMs = DEFAULT_LOGIN_STATE_TTL_MS,
): LoginStateCookieOptions {
  return {
    path: LOGIN_STATE_COOKIE_PATH,
    httpOnly: true,
    secure,
    sameSite: protocol === 'saml' && secure ? 'none' : 'lax',
    maxAge: Math.floor(ttlMs / 1000),
  };
}
