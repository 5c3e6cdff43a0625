import type { GlobalRole } from '../config/roles.js';
import type { Actor } from '../identity/actor.js';
import type { KeyPurpose } from '../keys/purpose.js';

/** Who is calling, resolved once per request from its credentials. */
export type Principal =
  | { kind: 'master'; role: 'proxy_admin'; userId: null; keyId: null; teamId: null }
  | {
      kind: 'key';
      role: GlobalRole | null;
      userId: string | null;
      keyId: string;
      teamId: string | null;
      purpose: KeyPurpose;
    }
  | {
      kind: 'session';
      role: GlobalRole;
      userId: string;
      keyId: null;
      teamId: null;
      sessionId: string;
    };

export const MASTER: Principal = {
  kind: 'master',
  role: 'proxy_admin',
  userId: null,
  keyId: null,
  teamId: null,
};

export function actorOf(p: Principal, ip?: string, requestId?: string): Actor {
  if (p.kind === 'master') return { type: 'master', id: null, ip, requestId };
  if (p.kind === 'key')
    return { type: 'user', id: p.userId ?? `key:${p.keyId}`, keyId: p.keyId, ip, requestId };
  return { type: 'user', id: p.userId, ip, requestId };
}

/**
 * Bearer token from `Authorization: Bearer …`, or Azure-style `api-key: …`. Nothing else: a
 * credential in a query string ends up in access logs.
 */
export function presentedCredential(
  headers: Record<string, string | string[] | undefined>,
): string | null {
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m?.[1]) return m[1];
  }
  const apiKey = headers['api-key'];
  if (typeof apiKey === 'string' && apiKey.trim()) return apiKey.trim();
  return null;
}
