import type { FastifyInstance } from 'fastify';
import type { LoginStateData } from '../access/login-states.js';
import type { ConnectionConfig } from '../config/schema.js';
import type { RegisteredConnection } from '../provisioning/connections.js';
import type { SignInKit } from './sign-in.js';
import type { CallbackRoute } from './urls.js';

/**
 * What a sign-in protocol (OIDC now, SAML next) plugs into the `/sso` surface. The surface owns
 * the connection lookup, the login state and its cookie, the session, the error page and the
 * audit trail; a protocol owns only its messages: building the request to the IdP and checking
 * the answer, in its own routes, handing the verified identity to `kit.complete`.
 */
export interface StartInput {
  /** Already checked by safeReturnTo. */
  returnTo: string;
  loginHint: string | null;
  prompt: string | null;
  /** Which of the connection's callback URLs the IdP is to send the browser back to. */
  route: CallbackRoute;
}

/** One result of "Test connection": a sentence saying what was found and what to change. */
export interface ConnectionCheck {
  check: string;
  status: 'ok' | 'warning' | 'error';
  message: string;
}

export interface SsoProtocol {
  type: ConnectionConfig['type'];
  /** URLs the admin registers at the IdP (OIDC: redirect_uri; SAML: acs_url, entity_id, …). */
  endpoints(c: RegisteredConnection): Record<string, string>;
  /** The URL to send the browser to, and what the login state keeps until the answer comes. */
  start(c: RegisteredConnection, o: StartInput): Promise<{ url: string; data: LoginStateData }>;
  test(c: RegisteredConnection): Promise<ConnectionCheck[]>;
  /** Where the browser goes to end the IdP session too, when the IdP offers that. */
  logoutUrl?(c: RegisteredConnection, idToken: string | null): Promise<string | null>;
  /** Drops what is cached about a connection that changed or was deleted. */
  forget?(id: string): void;
  /** The protocol's own routes under /sso (OIDC callback; SAML ACS, metadata). */
  routes(app: FastifyInstance, kit: SignInKit): void;
}

/** A connection can be used for sign-in when it is enabled (SAML connections have no switch). */
export function isEnabled(c: ConnectionConfig): boolean {
  return !('enabled' in c) || c.enabled !== false;
}
