import type { AssertionFacts, ResponseEnvelope } from './assertion.js';
import { fail, type SamlFailure } from './types.js';

const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';
const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';

/** What this connection expects of a response, and the moment it is checked at. */
export interface Expectations {
  acsUrl: string;
  spEntityId: string;
  idpEntityId: string;
  /** The AuthnRequest ID this browser's login started with; null for IdP-initiated. */
  expectedInResponseTo: string | null;
  allowIdpInitiated: boolean;
  /** When the Response signature is required, it covers Destination, so it must be there. */
  responseSigned: boolean;
  clockToleranceMs: number;
  now: Date;
}

/**
 * An unsigned value as quoted in a refusal. These checks run before any signature, on what
 * anyone can POST to the ACS, and the message reaches the sign-in page: only something shaped
 * like an XML id or a status name is quoted, never a sentence an attacker wrote.
 */
export const quoted = (v: string): string =>
  /^[A-Za-z0-9_.-]{1,64}$/.test(v) ? v : '(unreadable)';

const short = (code: string | null): string =>
  code ? quoted(code.split(':').pop() ?? code) : 'none';

/** A non-Success status is a refusal whoever signed it; the codes are named, no IdP text echoed. */
export function checkStatus(env: ResponseEnvelope): SamlFailure | null {
  if (env.statusCode === SUCCESS) return null;
  const sub = env.subStatusCode ? `/${short(env.subStatusCode)}` : '';
  return fail(
    'status',
    `The IdP did not sign the user in: it answered with status ${short(env.statusCode)}${sub}.`,
  );
}

/**
 * Unsolicited responses are refused before any cryptography when the connection does not take
 * IdP-initiated logins: the cheapest refusal first.
 */
export function checkSolicitation(env: ResponseEnvelope, exp: Expectations): SamlFailure | null {
  if (exp.expectedInResponseTo !== null) return null;
  if (env.inResponseTo !== null) {
    return fail(
      'in_response_to',
      `The response answers AuthnRequest ${quoted(env.inResponseTo)}, but no sign-in was started for it from this browser on this connection (expired, used already, or started elsewhere).`,
    );
  }
  if (!exp.allowIdpInitiated) {
    return fail(
      'unsolicited',
      'The IdP sent a sign-in nobody asked for (IdP-initiated login), and this connection does not allow IdP-initiated login.',
    );
  }
  return null;
}

function instant(value: string | null): number | null {
  if (value === null) return null;
  // SAML times are xs:dateTime in UTC; anything Date cannot read is treated as missing-and-bad.
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? Number.NaN : ms;
}

/**
 * Gatehouse's checks on a verified assertion (and the envelope around it), in the order an admin
 * would fix them. Returns the time until which the assertion id must be remembered.
 */
export function checkAssertion(
  env: ResponseEnvelope,
  a: AssertionFacts,
  exp: Expectations,
): SamlFailure | { ok: true; replayUntil: Date } {
  const now = exp.now.getTime();
  const skew = exp.clockToleranceMs;

  if (env.destination !== null && env.destination !== exp.acsUrl) {
    return fail(
      'destination',
      `The response's Destination is ${env.destination}; this connection's ACS URL is ${exp.acsUrl}.`,
    );
  }
  if (env.destination === null && exp.responseSigned) {
    return fail(
      'destination',
      `The signed response has no Destination; it must be this connection's ACS URL ${exp.acsUrl}.`,
    );
  }
  if (a.issuer !== exp.idpEntityId) {
    return fail(
      'issuer',
      `The assertion's Issuer is ${a.issuer ?? '(missing)'}; this connection expects the IdP entity id ${exp.idpEntityId}.`,
    );
  }
  if (env.issuer !== null && env.issuer !== exp.idpEntityId) {
    return fail(
      'issuer',
      `The response's Issuer is ${env.issuer}; this connection expects the IdP entity id ${exp.idpEntityId}.`,
    );
  }

  if (a.authnStatements === 0) {
    return fail(
      'structure',
      'The assertion has no AuthnStatement: it does not say that the person signed in at the IdP.',
    );
  }
  if (a.conditionsCount > 1) {
    return fail('audience', 'The assertion has more than one Conditions element.');
  }
  if (a.audienceRestrictions.length === 0) {
    return fail(
      'audience',
      `The assertion names no Audience; it must be this connection's SP entity id ${exp.spEntityId}.`,
    );
  }
  for (const audiences of a.audienceRestrictions) {
    if (!audiences.includes(exp.spEntityId)) {
      return fail(
        'audience',
        `Audience is ${audiences.join(', ') || '(empty)'}; this connection expects ${exp.spEntityId}.`,
      );
    }
  }

  const notBefore = instant(a.notBefore);
  const notOnOrAfter = instant(a.notOnOrAfter);
  const issued = instant(a.issueInstant);
  if (Number.isNaN(notBefore) || Number.isNaN(notOnOrAfter) || Number.isNaN(issued)) {
    return fail('expired', 'The assertion carries a time that is not a valid xs:dateTime.');
  }
  if (notBefore !== null && now + skew < notBefore) {
    return fail(
      'not_yet_valid',
      `The assertion is not valid before ${a.notBefore}; Gatehouse's clock says ${exp.now.toISOString()}. Check the clocks of the IdP and of Gatehouse.`,
    );
  }
  if (issued !== null && now + skew < issued) {
    return fail(
      'not_yet_valid',
      `The assertion was issued at ${a.issueInstant}, in the future by Gatehouse's clock (${exp.now.toISOString()}). Check the clocks of the IdP and of Gatehouse.`,
    );
  }
  if (notOnOrAfter !== null && now - skew >= notOnOrAfter) {
    return fail(
      'expired',
      `The assertion expired at ${a.notOnOrAfter}; it is now ${exp.now.toISOString()}.`,
    );
  }

  // Bearer confirmation is the proof this assertion was meant for this ACS and this request.
  const bearers = a.subjectConfirmations.filter((sc) => sc.method === BEARER);
  if (bearers.length === 0) {
    return fail(
      'recipient',
      'The assertion has no bearer SubjectConfirmation, so nothing says which ACS it was issued to.',
    );
  }
  const toUs = bearers.filter((sc) => sc.recipient === exp.acsUrl);
  if (toUs.length === 0) {
    const got = bearers.map((sc) => sc.recipient ?? '(missing)').join(', ');
    return fail(
      'recipient',
      `The assertion's Recipient is ${got}; this connection's ACS URL is ${exp.acsUrl}.`,
    );
  }
  let replayUntil = notOnOrAfter ?? 0;
  let lastProblem: SamlFailure | null = null;
  for (const sc of toUs) {
    const scNotOnOrAfter = instant(sc.notOnOrAfter);
    const scNotBefore = instant(sc.notBefore);
    if (scNotOnOrAfter === null || Number.isNaN(scNotOnOrAfter)) {
      lastProblem = fail(
        'expired',
        'The bearer SubjectConfirmationData has no valid NotOnOrAfter, so the assertion would never expire.',
      );
      continue;
    }
    if (now - skew >= scNotOnOrAfter) {
      lastProblem = fail(
        'expired',
        `The assertion's subject confirmation expired at ${sc.notOnOrAfter}; it is now ${exp.now.toISOString()}.`,
      );
      continue;
    }
    if (scNotBefore !== null && (Number.isNaN(scNotBefore) || now + skew < scNotBefore)) {
      lastProblem = fail(
        'not_yet_valid',
        `The assertion's subject confirmation is not valid before ${sc.notBefore}; it is now ${exp.now.toISOString()}.`,
      );
      continue;
    }
    const irt = inResponseToProblem(env, sc.inResponseTo, exp);
    if (irt) {
      lastProblem = irt;
      continue;
    }
    replayUntil = Math.max(replayUntil, scNotOnOrAfter);
    return { ok: true, replayUntil: new Date(replayUntil + skew) };
  }
  return (
    lastProblem ??
    fail(
      'recipient',
      'No bearer SubjectConfirmation of the assertion is valid for this connection.',
    )
  );
}

function inResponseToProblem(
  env: ResponseEnvelope,
  confirmed: string | null,
  exp: Expectations,
): SamlFailure | null {
  const expected = exp.expectedInResponseTo;
  if (expected === null) {
    if (confirmed !== null || env.inResponseTo !== null) {
      return fail(
        'in_response_to',
        `The assertion answers AuthnRequest ${confirmed ?? env.inResponseTo}, but no sign-in was started for it from this browser on this connection.`,
      );
    }
    return exp.allowIdpInitiated
      ? null
      : fail(
          'unsolicited',
          'The IdP sent a sign-in nobody asked for (IdP-initiated login), and this connection does not allow IdP-initiated login.',
        );
  }
  // The assertion's own InResponseTo is the signed one; the envelope's must agree when present.
  if (confirmed !== expected) {
    return fail(
      'in_response_to',
      `The assertion answers AuthnRequest ${confirmed ?? '(none)'}; this browser's sign-in started with ${expected}.`,
    );
  }
  if (env.inResponseTo !== null && env.inResponseTo !== expected) {
    return fail(
      'in_response_to',
      `The response answers AuthnRequest ${quoted(env.inResponseTo)}; this browser's sign-in started with ${expected}.`,
    );
  }
  return null;
}
