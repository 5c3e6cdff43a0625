import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AssertionFacts, ResponseEnvelope } from './assertion.js';
import { checkAssertion, checkSolicitation, checkStatus, type Expectations } from './checks.js';

const ACS = 'https://gatehouse.acme.example/sso/okta/acs';
const SP = 'https://gatehouse.acme.example/sso/okta/metadata';
const IDP = 'http://www.okta.com/exk8gatehouse5d7';
const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';
const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';
const NOW = new Date('2026-03-01T10:00:00.000Z');

const env = (over: Partial<ResponseEnvelope> = {}): ResponseEnvelope => ({
  id: '_r1',
  destination: ACS,
  inResponseTo: '_req1',
  issuer: IDP,
  statusCode: SUCCESS,
  subStatusCode: null,
  ...over,
});

const assertion = (over: Partial<AssertionFacts> = {}): AssertionFacts => ({
  id: '_a1',
  issueInstant: '2026-03-01T09:59:50Z',
  issuer: IDP,
  nameId: { value: '00u1', format: null, nameQualifier: null, spNameQualifier: null },
  subjectConfirmations: [
    {
      method: BEARER,
      recipient: ACS,
      notBefore: null,
      notOnOrAfter: '2026-03-01T10:05:00Z',
      inResponseTo: '_req1',
    },
  ],
  conditionsCount: 1,
  authnStatements: 1,
  notBefore: '2026-03-01T09:59:20Z',
  notOnOrAfter: '2026-03-01T10:05:00Z',
  audienceRestrictions: [[SP]],
  sessionIndex: '_s1',
  attributes: {},
  ...over,
});

const exp = (over: Partial<Expectations> = {}): Expectations => ({
  acsUrl: ACS,
  spEntityId: SP,
  idpEntityId: IDP,
  expectedInResponseTo: '_req1',
  allowIdpInitiated: false,
  responseSigned: false,
  clockToleranceMs: 120_000,
  now: NOW,
  ...over,
});

const check = (
  e: Partial<ResponseEnvelope>,
  a: Partial<AssertionFacts>,
  x: Partial<Expectations> = {},
) => checkAssertion(env(e), assertion(a), exp(x));

describe('Gatehouse checks on a verified assertion', () => {
  it('accepts a matching assertion and keeps its id until the latest expiry plus tolerance', () => {
    expect(check({}, {})).toEqual({ ok: true, replayUntil: new Date('2026-03-01T10:07:00Z') });
  });

  it('wrong Audience names both values', () => {
    expect(check({}, { audienceRestrictions: [['https://x.example']] })).toEqual({
      ok: false,
      check: 'audience',
      message: `Audience is https://x.example; this connection expects ${SP}.`,
    });
  });

  it('every AudienceRestriction must name this SP (they are ANDed)', () => {
    expect(check({}, { audienceRestrictions: [[SP], ['https://other']] })).toMatchObject({
      check: 'audience',
    });
    expect(check({}, { audienceRestrictions: [['https://other', SP]] })).toMatchObject({
      ok: true,
    });
    expect(check({}, { audienceRestrictions: [] })).toMatchObject({ check: 'audience' });
    expect(check({}, { conditionsCount: 2 })).toMatchObject({ check: 'audience' });
    expect(check({}, { authnStatements: 0 })).toMatchObject({
      check: 'structure',
      message: expect.stringContaining('no AuthnStatement'),
    });
  });

  it('wrong Destination, or none on a response that must be signed, is refused', () => {
    expect(check({ destination: 'https://evil.example/acs' }, {})).toEqual({
      ok: false,
      check: 'destination',
      message: `The response's Destination is https://evil.example/acs; this connection's ACS URL is ${ACS}.`,
    });
    expect(check({ destination: null }, {})).toMatchObject({ ok: true });
    expect(check({ destination: null }, {}, { responseSigned: true })).toMatchObject({
      check: 'destination',
    });
  });

  it('wrong Recipient is refused; a second bearer confirmation to this ACS is enough', () => {
    const other = {
      method: BEARER,
      recipient: 'https://other/acs',
      notBefore: null,
      notOnOrAfter: '2026-03-01T10:05:00Z',
      inResponseTo: '_req1',
    };
    expect(check({}, { subjectConfirmations: [other] })).toEqual({
      ok: false,
      check: 'recipient',
      message: `The assertion's Recipient is https://other/acs; this connection's ACS URL is ${ACS}.`,
    });
    const good = { ...other, recipient: ACS };
    expect(check({}, { subjectConfirmations: [other, good] })).toMatchObject({ ok: true });
    expect(
      check(
        {},
        {
          subjectConfirmations: [
            { ...good, method: 'urn:oasis:names:tc:SAML:2.0:cm:holder-of-key' },
          ],
        },
      ),
    ).toMatchObject({ check: 'recipient' });
  });

  it('wrong assertion Issuer, or a wrong Response Issuer, is refused', () => {
    expect(check({}, { issuer: 'http://www.okta.com/other' })).toEqual({
      ok: false,
      check: 'issuer',
      message: `The assertion's Issuer is http://www.okta.com/other; this connection expects the IdP entity id ${IDP}.`,
    });
    expect(check({}, { issuer: null })).toMatchObject({ check: 'issuer' });
    expect(check({ issuer: 'http://www.okta.com/other' }, {})).toMatchObject({ check: 'issuer' });
  });

  it('expired: past NotOnOrAfter by more than the tolerance', () => {
    const late = new Date('2026-03-01T10:07:00Z');
    expect(check({}, {}, { now: late })).toMatchObject({ check: 'expired' });
    expect(check({}, {}, { now: new Date(late.getTime() - 1) })).toMatchObject({ ok: true });
  });

  it('not yet valid: before NotBefore by more than the tolerance (Entra sets NotBefore = IssueInstant)', () => {
    const a = { notBefore: '2026-03-01T10:10:00Z', issueInstant: '2026-03-01T10:10:00Z' };
    expect(check({}, a)).toMatchObject({ check: 'not_yet_valid' });
    expect(
      check({}, { notBefore: '2026-03-01T10:02:00Z', issueInstant: '2026-03-01T10:02:00Z' }),
    ).toMatchObject({ ok: true });
    expect(check({}, { issueInstant: '2026-03-01T10:03:00Z' })).toMatchObject({
      check: 'not_yet_valid',
    });
  });

  it('the subject confirmation has its own expiry, and must have one', () => {
    const sc = assertion().subjectConfirmations[0];
    if (!sc) throw new Error('fixture');
    expect(
      check({}, { subjectConfirmations: [{ ...sc, notOnOrAfter: '2026-03-01T09:57:00Z' }] }),
    ).toMatchObject({ check: 'expired' });
    expect(check({}, { subjectConfirmations: [{ ...sc, notOnOrAfter: null }] })).toMatchObject({
      check: 'expired',
    });
    expect(
      check({}, { subjectConfirmations: [{ ...sc, notBefore: '2026-03-01T10:09:00Z' }] }),
    ).toMatchObject({ check: 'not_yet_valid' });
  });

  it('a time that is not a date is refused, not ignored', () => {
    expect(check({}, { notOnOrAfter: 'tomorrow' })).toMatchObject({ check: 'expired' });
  });

  it('InResponseTo must be the expected request, in the assertion and in the envelope', () => {
    const sc = assertion().subjectConfirmations[0];
    if (!sc) throw new Error('fixture');
    expect(check({}, { subjectConfirmations: [{ ...sc, inResponseTo: '_other' }] })).toEqual({
      ok: false,
      check: 'in_response_to',
      message:
        "The assertion answers AuthnRequest _other; this browser's sign-in started with _req1.",
    });
    expect(check({}, { subjectConfirmations: [{ ...sc, inResponseTo: null }] })).toMatchObject({
      check: 'in_response_to',
    });
    expect(check({ inResponseTo: '_other' }, {})).toMatchObject({ check: 'in_response_to' });
  });

  it('IdP-initiated: refused unless allowed, and then must answer no request', () => {
    const sc = assertion().subjectConfirmations[0];
    if (!sc) throw new Error('fixture');
    const unsolicited = { subjectConfirmations: [{ ...sc, inResponseTo: null }] };
    expect(
      check({ inResponseTo: null }, unsolicited, { expectedInResponseTo: null }),
    ).toMatchObject({ check: 'unsolicited' });
    expect(
      check({ inResponseTo: null }, unsolicited, {
        expectedInResponseTo: null,
        allowIdpInitiated: true,
      }),
    ).toMatchObject({ ok: true });
    expect(
      check({ inResponseTo: null }, {}, { expectedInResponseTo: null, allowIdpInitiated: true }),
    ).toMatchObject({ check: 'in_response_to' });
  });

  it('property: accepted exactly while now is inside [NotBefore − tolerance, NotOnOrAfter + tolerance)', () => {
    const nb = Date.parse('2026-03-01T09:59:20Z');
    const noa = Date.parse('2026-03-01T10:05:00Z');
    fc.assert(
      fc.property(
        fc.integer({ min: -600_000, max: 900_000 }),
        fc.integer({ min: 0, max: 300_000 }),
        (offset, tol) => {
          const now = new Date(NOW.getTime() + offset);
          const r = check({}, { issueInstant: null }, { now, clockToleranceMs: tol });
          const inside = now.getTime() + tol >= nb && now.getTime() - tol < noa;
          expect(r.ok).toBe(inside);
        },
      ),
    );
  });
});

describe('checks before the signature', () => {
  it('a non-success status names the codes and does not echo the IdP message', () => {
    expect(
      checkStatus(
        env({
          statusCode: 'urn:oasis:names:tc:SAML:2.0:status:Requester',
          subStatusCode: 'urn:oasis:names:tc:SAML:2.0:status:AuthnFailed',
        }),
      ),
    ).toEqual({
      ok: false,
      check: 'status',
      message: 'The IdP did not sign the user in: it answered with status Requester/AuthnFailed.',
    });
    expect(checkStatus(env({ statusCode: null }))).toMatchObject({ check: 'status' });
    expect(checkStatus(env())).toBeNull();
  });

  it('an unsolicited response is refused before any cryptography when IdP-initiated is off', () => {
    expect(
      checkSolicitation(env({ inResponseTo: null }), exp({ expectedInResponseTo: null })),
    ).toMatchObject({ check: 'unsolicited' });
    expect(
      checkSolicitation(env({ inResponseTo: '_x' }), exp({ expectedInResponseTo: null })),
    ).toMatchObject({ check: 'in_response_to' });
    expect(
      checkSolicitation(
        env({ inResponseTo: null }),
        exp({ expectedInResponseTo: null, allowIdpInitiated: true }),
      ),
    ).toBeNull();
    expect(checkSolicitation(env(), exp())).toBeNull();
  });
});
