import type { NameId } from './assertion.js';
import { newMessageId, samlLibrary } from './library.js';
import { fail, type SamlConnection, type SamlResult } from './types.js';

export interface LogoutRequestRedirect {
  url: string;
  /** The LogoutRequest ID, the InResponseTo the IdP's LogoutResponse will carry. */
  requestId: string;
}

/**
 * An SP-initiated LogoutRequest over HTTP-Redirect, for the person's IdP session (the NameID and
 * SessionIndex of the assertion they signed in with). Always signed: Okta refuses unsigned
 * logout requests, and an unsigned one would let any page log a user out of their IdP.
 */
export async function buildLogoutRequest(
  conn: SamlConnection,
  session: { nameId: NameId; sessionIndex: string | null; relayState?: string },
): Promise<SamlResult<LogoutRequestRedirect>> {
  if (!conn.idp.sloUrl) {
    return fail(
      'policy',
      'The IdP offers no HTTP-Redirect SingleLogoutService, so Gatehouse can only end its own session.',
    );
  }
  if (conn.sp.signingKeys.length === 0) {
    return fail(
      'policy',
      'This connection has no SP signing key; single logout requests must be signed.',
    );
  }
  const requestId = newMessageId();
  const saml = samlLibrary(conn, { messageId: requestId, sign: true });
  const url = await saml.getLogoutUrlAsync(
    {
      issuer: conn.idp.entityId,
      nameID: session.nameId.value,
      nameIDFormat:
        session.nameId.format ?? 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
      ...(session.nameId.nameQualifier ? { nameQualifier: session.nameId.nameQualifier } : {}),
      ...(session.nameId.spNameQualifier
        ? { spNameQualifier: session.nameId.spNameQualifier }
        : {}),
      ...(session.sessionIndex ? { sessionIndex: session.sessionIndex } : {}),
    },
    session.relayState ?? '',
    {},
  );
  return { ok: true, url, requestId };
}
