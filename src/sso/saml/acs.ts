import type { AssertionFacts } from './assertion.js';
import { type AttributeMapping, type MappedIdentity, mapAssertion } from './attributes.js';
import { quoted } from './checks.js';
import { peekInResponseTo, validateSamlResponse } from './response.js';
import { type AssertionReplayCache, fail, type SamlConnection, type SamlResult } from './types.js';

/**
 * Uses up the stored AuthnRequest with this id for this connection and this browser (the caller
 * binds both): `src/access/saml-state.ts` `consumeRequest`.
 */
export type ConsumeRequest = (
  requestId: string,
) => Promise<
  { ok: true } | { ok: false; reason: 'unknown' | 'expired' | 'other_connection' | 'other_browser' }
>;

export interface AcsDeps {
  consumeRequest: ConsumeRequest;
  replay: AssertionReplayCache;
  now: Date;
}

const REQUEST_PROBLEM = {
  unknown: (id: string) =>
    `The response answers AuthnRequest ${id}, which Gatehouse has no open record of: it was used already, or never issued here.`,
  expired: (id: string) =>
    `The sign-in that sent AuthnRequest ${id} took too long and expired; sign in again.`,
  other_connection: (id: string) =>
    `The response answers AuthnRequest ${id}, which was sent for another SSO connection: the IdP posted to the wrong ACS URL.`,
  other_browser: (id: string) =>
    `The response answers AuthnRequest ${id}, which another browser started; a sign-in must finish in the browser that began it.`,
} as const;

/**
 * What `POST /sso/{id}/acs` does with the SAMLResponse: find the AuthnRequest it claims to
 * answer, consume it (single use, bound to connection and browser), validate the response
 * against it, and map the verified assertion. The route adds the session, audit and pages.
 */
export async function acceptSamlResponse(
  conn: SamlConnection,
  mapping: AttributeMapping,
  samlResponse: unknown,
  deps: AcsDeps,
): Promise<SamlResult<MappedIdentity & { assertion: AssertionFacts }>> {
  const peek = peekInResponseTo(samlResponse, conn.policy.maxResponseBytes);
  if (!peek.ok) return peek;
  const requestId = peek.inResponseTo;
  if (requestId !== null) {
    const used = await deps.consumeRequest(requestId);
    if (!used.ok) return fail('in_response_to', REQUEST_PROBLEM[used.reason](quoted(requestId)));
  }
  const verified = await validateSamlResponse(conn, samlResponse, {
    expectedInResponseTo: requestId,
    now: deps.now,
    replay: deps.replay,
  });
  if (!verified.ok) return verified;
  const mapped = mapAssertion(verified.assertion, mapping);
  if (!mapped.ok) return mapped;
  return { ...mapped, assertion: verified.assertion };
}
