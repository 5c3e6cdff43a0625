import { newMessageId, samlLibrary } from './library.js';
import type { SamlConnection } from './types.js';

export interface AuthnRequestRedirect {
  /** The IdP URL to redirect the browser to (SAMLRequest, RelayState, SigAlg, Signature). */
  url: string;
  /** The AuthnRequest ID: the caller stores it (bound to the browser) as the expected InResponseTo. */
  requestId: string;
}

/**
 * An AuthnRequest over the HTTP-Redirect binding, signed with the first SP signing key when the
 * connection says so. RelayState is passed through as given: the caller decides what it may be
 * (a relative same-origin path, or an opaque key to one stored server-side).
 */
export async function buildAuthnRequest(
  conn: SamlConnection,
  opts: { relayState?: string } = {},
): Promise<AuthnRequestRedirect> {
  const requestId = newMessageId();
  const saml = samlLibrary(conn, { messageId: requestId, sign: conn.policy.signAuthnRequests });
  const url = await saml.getAuthorizeUrlAsync(opts.relayState ?? '', undefined, {});
  return { url, requestId };
}
