import { promisify } from 'node:util';
import xmlenc from 'xml-encryption';
import {
  type AssertionFacts,
  type ResponseEnvelope,
  readAssertion,
  readEnvelope,
} from './assertion.js';
import { checkAssertion, checkSolicitation, checkStatus, type Expectations } from './checks.js';
import { samlLibrary } from './library.js';
import {
  checkAlgorithms,
  checkIdsAndSignatures,
  checkIsResponse,
  checkStructure,
} from './structure.js';
import {
  type AssertionReplayCache,
  fail,
  type SamlConnection,
  type SamlFailure,
  type SamlResult,
  type SpKey,
} from './types.js';
import { child, hasDoctype, isElement, NS, parseStrict } from './xml.js';

export interface ResponseContext {
  /** The AuthnRequest ID stored for this browser and connection; null for IdP-initiated. */
  expectedInResponseTo: string | null;
  now: Date;
  replay: AssertionReplayCache;
}

export interface VerifiedResponse {
  envelope: ResponseEnvelope;
  assertion: AssertionFacts;
}

const BASE64 = /^[A-Za-z0-9+/=\r\n ]*$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The posted SAMLResponse as a parsed document, with the cheap refusals first: size before
 * decoding, DOCTYPE before parsing, and a strict parse (one root, nothing after it).
 */
export function decodePostedResponse(
  samlResponse: unknown,
  maxBytes: number,
): SamlResult<{ encoded: string; xml: string; root: Element }> {
  if (typeof samlResponse !== 'string' || samlResponse.length === 0) {
    return fail('malformed', 'The POST carries no SAMLResponse field.');
  }
  if (samlResponse.length > maxBytes) {
    return fail(
      'body_too_large',
      `The SAMLResponse is ${samlResponse.length} bytes; Gatehouse accepts at most ${maxBytes}.`,
    );
  }
  if (!BASE64.test(samlResponse)) return fail('malformed', 'The SAMLResponse is not base64.');
  let xml: string;
  try {
    xml = utf8.decode(Buffer.from(samlResponse, 'base64'));
  } catch {
    return fail('malformed', 'The SAMLResponse does not decode to UTF-8 text.');
  }
  if (hasDoctype(xml)) {
    return fail(
      'doctype',
      'The SAMLResponse contains a DOCTYPE or entity declaration, which SAML forbids; it was refused unparsed.',
    );
  }
  const parsed = parseStrict(xml);
  if (!parsed.ok) return fail(parsed.reason, `The SAMLResponse ${parsed.message}.`);
  return { ok: true, encoded: samlResponse, xml, root: parsed.root };
}

/**
 * The InResponseTo of a posted response, unverified: only for looking up which stored
 * AuthnRequest to consume. `validateSamlResponse` then proves the signed assertion answers it.
 */
export function peekInResponseTo(
  samlResponse: unknown,
  maxBytes: number,
): SamlResult<{ inResponseTo: string | null }> {
  const decoded = decodePostedResponse(samlResponse, maxBytes);
  if (!decoded.ok) return decoded;
  return { ok: true, inResponseTo: readEnvelope(decoded.root).inResponseTo };
}

const decryptAsync = promisify(xmlenc.decrypt);

async function decryptWithAny(
  encrypted: Element,
  keys: readonly SpKey[],
): Promise<{ key: SpKey; xml: string } | null> {
  const xml = encrypted.toString();
  for (const key of keys) {
    try {
      const plain = await decryptAsync(xml, {
        key: key.privateKeyPem,
        disallowDecryptionWithInsecureAlgorithm: true,
        warnInsecureAlgorithm: false,
      });
      return { key, xml: plain };
    } catch {
      // Not this key (rotation keeps several): try the next.
    }
  }
  return null;
}

/** Checks of the decrypted assertion that the library does not make before verifying it. */
async function decryptAssertion(
  conn: SamlConnection,
  encrypted: Element,
): Promise<SamlResult<{ key: SpKey }>> {
  if (conn.sp.encryptionKeys.length === 0) {
    return fail(
      'decryption',
      'The IdP encrypted the assertion, but this connection has no SP encryption key; add one or turn assertion encryption off in the IdP.',
    );
  }
  const found = await decryptWithAny(encrypted, conn.sp.encryptionKeys);
  if (!found) {
    return fail(
      'decryption',
      "The encrypted assertion could not be decrypted with this connection's SP encryption keys: the IdP has another certificate (upload the current SP metadata).",
    );
  }
  if (hasDoctype(found.xml)) {
    return fail(
      'doctype',
      'The decrypted assertion contains a DOCTYPE or entity declaration; it was refused.',
    );
  }
  const parsed = parseStrict(found.xml);
  if (!parsed.ok) return fail(parsed.reason, `The decrypted assertion ${parsed.message}.`);
  if (!isElement(parsed.root, NS.assertion, 'Assertion')) {
    return fail('decryption', 'The encrypted assertion does not contain an Assertion.');
  }
  const problem =
    checkIdsAndSignatures(parsed.root) ?? checkAlgorithms(parsed.root, conn.policy.allowSha1);
  return problem ?? { ok: true, key: found.key };
}

/** node-saml's error texts are internal; an admin gets the check and a sentence instead. */
function libraryFailure(e: unknown, conn: SamlConnection): SamlFailure {
  const m = e instanceof Error ? e.message : '';
  if (/^Invalid document signature/.test(m)) {
    return fail(
      'response_signature',
      "The Response is not signed by this connection's IdP certificate (the connection requires a signed Response): it is unsigned, was changed after signing, or was signed with another key.",
    );
  }
  if (/^Invalid signature( from encrypted assertion)?$/.test(m)) {
    return fail(
      'assertion_signature',
      `The assertion is not signed by this connection's IdP certificate${conn.policy.wantAssertionsSigned ? ' (the connection requires signed assertions)' : ''}: it is unsigned, was changed after signing, or was signed with another key.`,
    );
  }
  if (/multiple assertions/.test(m)) {
    return fail(
      'structure',
      'The response carries more than one assertion; Gatehouse accepts exactly one.',
    );
  }
  if (/ID cannot refer to more than one element/.test(m)) {
    return fail(
      'duplicate_id',
      'Two elements of the response share the signed ID; signed references must be unambiguous.',
    );
  }
  if (/Cannot obtain assertion|Referenced node|Too many signatures|too many transforms/.test(m)) {
    return fail(
      'signature',
      'The signature does not cover the assertion Gatehouse would read (a signature-wrapping shape); the response was refused.',
    );
  }
  if (/EncryptedAssertion|decrypt/i.test(m)) {
    return fail('decryption', 'The encrypted assertion could not be decrypted.');
  }
  return fail(
    'signature',
    "The response's signature could not be verified with this connection's IdP certificates.",
  );
}

/**
 * Validates a posted SAMLResponse for one connection: library signature checks with the
 * connection's policy, then Gatehouse's own checks on the verified assertion, then the
 * one-time use of the assertion id. Every refusal names its check.
 */
export async function validateSamlResponse(
  conn: SamlConnection,
  samlResponse: unknown,
  ctx: ResponseContext,
): Promise<SamlResult<VerifiedResponse>> {
  const { policy } = conn;
  if (!policy.wantAssertionsSigned && !policy.wantResponseSigned) {
    return fail(
      'policy',
      'This connection requires neither a signed Response nor signed assertions; one of them must be on.',
    );
  }
  const decoded = decodePostedResponse(samlResponse, policy.maxResponseBytes);
  if (!decoded.ok) return decoded;
  const envelope = readEnvelope(decoded.root);
  const exp: Expectations = {
    acsUrl: conn.sp.acsUrl,
    spEntityId: conn.sp.entityId,
    idpEntityId: conn.idp.entityId,
    expectedInResponseTo: ctx.expectedInResponseTo,
    allowIdpInitiated: policy.allowIdpInitiated,
    responseSigned: policy.wantResponseSigned,
    clockToleranceMs: policy.clockToleranceMs,
    now: ctx.now,
  };
  // An error status comes without an assertion, so it is named before the shape is checked.
  const early =
    checkIsResponse(decoded.root) ??
    checkSolicitation(envelope, exp) ??
    checkStatus(envelope) ??
    checkStructure(decoded.root) ??
    checkAlgorithms(decoded.root, policy.allowSha1);
  if (early) return early;

  let decryptionKeyPem: string | undefined;
  const encrypted = child(decoded.root, NS.assertion, 'EncryptedAssertion');
  if (encrypted) {
    const d = await decryptAssertion(conn, encrypted);
    if (!d.ok) return d;
    decryptionKeyPem = d.key.privateKeyPem;
  }

  let verifiedXml: string;
  try {
    const saml = samlLibrary(conn, decryptionKeyPem ? { decryptionKeyPem } : {});
    const { profile } = await saml.validatePostResponseAsync({
      SAMLResponse: samlResponse as string,
    });
    if (!profile) return fail('structure', 'The response carries no assertion.');
    verifiedXml = profile.getAssertionXml?.() ?? '';
  } catch (e) {
    return libraryFailure(e, conn);
  }

  // Only the bytes the signature covered are read from here on.
  const parsed = parseStrict(verifiedXml);
  if (!parsed.ok || !isElement(parsed.root, NS.assertion, 'Assertion')) {
    return fail('signature', 'The signed data is not an assertion.');
  }
  const assertion = readAssertion(parsed.root);
  if ('invalid' in assertion) return fail('subject', assertion.invalid);
  const checked = checkAssertion(envelope, assertion, exp);
  if (!checked.ok) return checked;
  if (!(await ctx.replay.claim(assertion.id, checked.replayUntil))) {
    return fail(
      'replay',
      `The assertion ${assertion.id} was already used to sign in; a SAML assertion is good for one sign-in only.`,
    );
  }
  return { ok: true, envelope, assertion };
}
