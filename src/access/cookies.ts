import type { FastifyReply } from 'fastify';
import { CSRF_COOKIE, SESSION_COOKIE } from './cookie-names.js';

export { CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE } from './cookie-names.js';

export interface CookiePolicy {
  secure: boolean;
  maxAgeSeconds: number;
}

/** The session secret is HttpOnly; the CSRF token is readable by the UI's script, by design. */
export function setSessionCookies(
  reply: FastifyReply,
  p: CookiePolicy,
  secret: string,
  csrf: string,
): void {
  const base = { path: '/', sameSite: 'lax' as const, secure: p.secure, maxAge: p.maxAgeSeconds };
  void reply.setCookie(SESSION_COOKIE, secret, { ...base, httpOnly: true });
  void reply.setCookie(CSRF_COOKIE, csrf, { ...base, httpOnly: false });
}

export function clearSessionCookies(reply: FastifyReply, p: CookiePolicy): void {
  const base = { path: '/', sameSite: 'lax' as const, secure: p.secure };
  void reply.clearCookie(SESSION_COOKIE, { ...base, httpOnly: true });
  void reply.clearCookie(CSRF_COOKIE, { ...base, httpOnly: false });
}
