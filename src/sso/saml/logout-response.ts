import { verify } from 'node:crypto';
import { certificatePem } from './keys.js';
import { inflateRedirectMessage } from './redirect-binding.js';
import { fail, type SamlConnection, type SamlResult } from './types.js';
import { attr, child, isElement, NS, textOf } from './xml.js';

const SIG_ALGS: Record<string, { hash: string; sha1?: true }> = {
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256': { hash: 'sha256' },
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512': { hash: 'sha512' },
  'http://www.w3.org/2000/09/xmldsig#rsa-sha1': { hash: 'sha1', sha1: true },
};
const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';

/** Query parameters as sent: the redirect signature covers the URL-encoded bytes, not values. */
function rawParams(query: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of query.replace(/^\?/, '').split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = decodeURIComponent((eq < 0 ? part : part.slice(0, eq)).replace(/\+/g, ' '));
    out.set(key, [...(out.get(key) ?? []), eq < 0 ? '' : part.slice(eq + 1)]);
  }
  return out;
}

const value = (raw: string): string => decodeURIComponent(raw.replace(/\+/g, ' '));

/**
 * Validates the IdP's LogoutResponse to Gatehouse's LogoutRequest (HTTP-Redirect binding). The
 * query signature is required and checked against the pinned IdP certificates over the exact
 * bytes received (node-saml's redirect check accepts unsigned messages, so it is not used).
 * Only the outcome for the user depends on this: Gatehouse ends its own session before
 * redirecting to the IdP.
 */
export function validateLogoutResponse(
  conn: SamlConnection,
  rawQuery: string,
  ctx: { expectedRequestId: string; now: Date },
): SamlResult<{ relayState: string | null }> {
  let params: Map<string, string[]>;
  try {
    params = rawParams(rawQuery);
  } catch {
    return fail('malformed', 'The logout response URL is not validly encoded.');
  }
  const one = (k: string): string | null | undefined => {
    const v = params.get(k);
    if (!v) return null;
    return v.length === 1 ? v[0] : undefined;
  };
  const response = one('SAMLResponse');
  const relayState = one('RelayState');
  const sigAlg = one('SigAlg');
  const signature = one('Signature');
  if (
    response === undefined ||
    relayState === undefined ||
    sigAlg === undefined ||
    signature === undefined
  ) {
    return fail('malformed', 'The logout response repeats a SAML parameter.');
  }
  if (!response) return fail('malformed', 'The logout response carries no SAMLResponse.');
  if (!sigAlg || !signature) {
    return fail(
      'response_signature',
      "The IdP's logout response is not signed; Gatehouse accepts only signed logout responses.",
    );
  }
  let alg: string;
  let sig: Buffer;
  try {
    alg = value(sigAlg);
    sig = Buffer.from(value(signature), 'base64');
  } catch {
    return fail('malformed', 'The logout response URL is not validly encoded.');
  }
  const method = SIG_ALGS[alg];
  if (!method)
    return fail(
      'weak_algorithm',
      'The logout response is signed with an algorithm Gatehouse does not accept.',
    );
  if (method.sha1 && !conn.policy.allowSha1) {
    return fail(
      'weak_algorithm',
      'The logout response is signed with SHA-1; set the IdP to sign with SHA-256.',
    );
  }
  const signed = Buffer.from(
    `SAMLResponse=${response}${relayState !== null ? `&RelayState=${relayState}` : ''}&SigAlg=${sigAlg}`,
    'utf8',
  );
  const valid = conn.idp.certificates.some((c) => {
    try {
      return verify(method.hash, signed, certificatePem(c), sig);
    } catch {
      return false;
    }
  });
  if (!valid) {
    return fail(
      'response_signature',
      "The logout response's signature does not verify with this connection's IdP certificates.",
    );
  }

  let xml: string;
  try {
    xml = value(response);
  } catch {
    return fail('malformed', 'The logout response URL is not validly encoded.');
  }
  const msg = inflateRedirectMessage(xml);
  if (!msg.ok) return msg;
  const root = msg.root;
  if (!isElement(root, NS.protocol, 'LogoutResponse')) {
    return fail('structure', 'The message is not a LogoutResponse.');
  }
  const issuerEl = child(root, NS.assertion, 'Issuer');
  const issuer = issuerEl ? textOf(issuerEl).trim() : null;
  const expectedIssuer = conn.idp.sloIssuer ?? conn.idp.entityId;
  if (issuer !== expectedIssuer) {
    return fail(
      'issuer',
      `The logout response's Issuer is ${issuer ?? '(missing)'}; this connection expects ${expectedIssuer}.`,
    );
  }
  const inResponseTo = attr(root, 'InResponseTo');
  if (inResponseTo !== ctx.expectedRequestId) {
    return fail(
      'in_response_to',
      `The logout response answers ${inResponseTo ?? '(nothing)'}; Gatehouse sent ${ctx.expectedRequestId}.`,
    );
  }
  const destination = attr(root, 'Destination');
  if (destination !== null && destination !== conn.sp.sloUrl) {
    return fail(
      'destination',
      `The logout response's Destination is ${destination}; this connection's logout URL is ${conn.sp.sloUrl ?? '(none)'}.`,
    );
  }
  const issued = Date.parse(attr(root, 'IssueInstant') ?? '');
  if (Number.isNaN(issued) || issued > ctx.now.getTime() + conn.policy.clockToleranceMs) {
    return fail(
      'not_yet_valid',
      'The logout response has no valid IssueInstant, or one in the future.',
    );
  }
  const status = child(root, NS.protocol, 'Status');
  const code = status ? child(status, NS.protocol, 'StatusCode') : null;
  const codeValue = code ? attr(code, 'Value') : null;
  if (codeValue !== SUCCESS) {
    return fail(
      'status',
      `The IdP did not end its session: it answered with status ${codeValue?.split(':').pop() ?? 'none'}.`,
    );
  }
  return { ok: true, relayState: relayState === null ? null : value(relayState) };
}
