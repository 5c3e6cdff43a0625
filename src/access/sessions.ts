import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { deriveKey, openWithKey, SecretBoxError, sealWithKey } from '../config/secret-box.js';
import type { Database } from '../db/schema.js';
import { hashSecret } from '../keys/secret.js';

export interface SessionPolicy {
  idleMs: number;
  absoluteMs: number;
}

export interface SessionInfo {
  id: string;
  user_id: string;
  method: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  ip: string | null;
  user_agent: string | null;
}

export type ResolvedSession =
  | { ok: true; id: string; userId: string; role: string }
  | { ok: false; reason: 'unknown' | 'revoked' | 'expired' | 'idle' | 'user_inactive' };

/** Only written when this much time has passed, so browsing does not write on every request. */
const TOUCH_EVERY_MS = 60_000;

/**
 * Browser sessions. The cookie holds a random 256-bit secret; the database holds its SHA-256
 * under a separate public id, so a database leak yields no usable session and listing
 * sessions never exposes one. A session carries no API key.
 */
export function sessionStore(db: Kysely<Database>, policy: SessionPolicy, now: () => Date) {
  async function create(
    userId: string,
    method: string,
    meta: {
      ip?: string | undefined;
      userAgent?: string | undefined;
      /** SSO: the id_token, kept for RP-initiated logout (`id_token_hint`). */
      idToken?: string | null | undefined;
    },
  ): Promise<{ secret: string; csrf: string; info: SessionInfo }> {
    const secret = randomBytes(32).toString('base64url');
    const at = now();
    const info: SessionInfo = {
      id: randomUUID(),
      user_id: userId,
      method,
      created_at: at.toISOString(),
      last_seen_at: at.toISOString(),
      expires_at: new Date(at.getTime() + policy.absoluteMs).toISOString(),
      ip: meta.ip ?? null,
      user_agent: meta.userAgent?.slice(0, 300) ?? null,
    };
    await db
      .insertInto('sessions')
      .values({
        ...info,
        token_hash: hashSecret(secret),
        revoked_at: null,
        id_token: meta.idToken ? sealIdToken(secret, info.id, meta.idToken) : null,
      })
      .execute();
    return { secret, csrf: csrfToken(secret), info };
  }

  /** The live session for a cookie value, with the user's current role, or why there is none. */
  async function resolve(secret: string): Promise<ResolvedSession> {
    const row = await db
      .selectFrom('sessions as s')
      .innerJoin('users as u', 'u.id', 's.user_id')
      .select([
        's.id',
        's.user_id',
        's.last_seen_at',
        's.expires_at',
        's.revoked_at',
        'u.active',
        'u.role',
      ])
      .where('s.token_hash', '=', hashSecret(secret))
      .executeTakeFirst();
    if (!row) return { ok: false, reason: 'unknown' };
    // Deactivation also revokes; report the reason that tells the person what happened.
    if (row.active === 0) return { ok: false, reason: 'user_inactive' };
    if (row.revoked_at !== null) return { ok: false, reason: 'revoked' };
    const t = now().getTime();
    if (Date.parse(row.expires_at) <= t) return { ok: false, reason: 'expired' };
    const last = Date.parse(row.last_seen_at);
    if (t - last >= policy.idleMs) return { ok: false, reason: 'idle' };
    if (t - last >= TOUCH_EVERY_MS) {
      await db
        .updateTable('sessions')
        .set({ last_seen_at: new Date(t).toISOString() })
        .where('id', '=', row.id)
        .execute();
    }
    return { ok: true, id: row.id, userId: row.user_id, role: row.role };
  }

  async function revoke(id: string, userId?: string): Promise<boolean> {
    let q = db
      .updateTable('sessions')
      .set({ revoked_at: now().toISOString() })
      .where('id', '=', id)
      .where('revoked_at', 'is', null);
    if (userId) q = q.where('user_id', '=', userId);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async function listForUser(userId: string): Promise<SessionInfo[]> {
    const at = now().getTime();
    const rows = await db
      .selectFrom('sessions')
      .select([
        'id',
        'user_id',
        'method',
        'created_at',
        'last_seen_at',
        'expires_at',
        'ip',
        'user_agent',
      ])
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .orderBy('created_at', 'desc')
      .execute();
    return rows.filter(
      (r) => Date.parse(r.expires_at) > at && at - Date.parse(r.last_seen_at) < policy.idleMs,
    );
  }

  /** How the session behind a cookie was made, and its id_token (for the IdP's logout). */
  async function signOutContext(
    secret: string,
  ): Promise<{ method: string; idToken: string | null } | null> {
    const row = await db
      .selectFrom('sessions')
      .select(['id', 'method', 'id_token'])
      .where('token_hash', '=', hashSecret(secret))
      .executeTakeFirst();
    if (!row) return null;
    return {
      method: row.method,
      idToken: row.id_token ? openIdToken(secret, row.id, row.id_token) : null,
    };
  }

  return { create, resolve, revoke, listForUser, signOutContext };
}

/**
 * The id_token is sealed under a key derived from the cookie secret, which only the browser
 * holds, so the sessions table alone gives nobody a token to present to the IdP.
 */
const idTokenKey = (secret: string) => deriveKey(secret, 'gatehouse session id_token v1');

function sealIdToken(secret: string, sessionId: string, idToken: string): string {
  return sealWithKey(idTokenKey(secret), idToken, sessionId).toString('base64url');
}

function openIdToken(secret: string, sessionId: string, sealed: string): string | null {
  try {
    return openWithKey(idTokenKey(secret), Buffer.from(sealed, 'base64url'), sessionId);
  } catch (e) {
    if (e instanceof SecretBoxError) return null;
    throw e;
  }
}

export type SessionStore = ReturnType<typeof sessionStore>;

/**
 * CSRF token derived from the session secret: unguessable without the cookie, needs no
 * storage, and dies with the session.
 */
export function csrfToken(sessionSecret: string): string {
  return createHash('sha256').update(`csrf\0${sessionSecret}`).digest('base64url');
}
