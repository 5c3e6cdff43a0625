import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AssertionFacts } from './assertion.js';
import {
  attributeMapping,
  ENTRA_CLAIM,
  mapAssertion,
  PERSISTENT_NAME_ID,
  PRESETS,
} from './attributes.js';

const TID = '9122040d-6c67-4c5b-b112-36a304b66dad';
const OID = '00000000-0000-0000-66f3-3332eca7ea81';

const facts = (
  attributes: Record<string, string[]>,
  nameId: AssertionFacts['nameId'] = null,
): AssertionFacts => ({
  id: '_a',
  issueInstant: null,
  issuer: 'idp',
  nameId,
  subjectConfirmations: [],
  conditionsCount: 1,
  authnStatements: 1,
  notBefore: null,
  notOnOrAfter: null,
  audienceRestrictions: [],
  sessionIndex: null,
  attributes,
});

const persistent = (value: string) => ({
  value,
  format: PERSISTENT_NAME_ID,
  nameQualifier: null,
  spNameQualifier: null,
});

describe('okta attribute mapping', () => {
  it('okta: persistent NameID is the subject; email, names, group names and login mapped', () => {
    const r = mapAssertion(
      facts(
        {
          email: ['alice@acme.example'],
          firstName: ['Alice'],
          lastName: ['Anders'],
          groups: ['Everyone', 'Gateway-Admins'],
        },
        persistent('00u1gatehousealice0h7'),
      ),
      PRESETS.okta,
    );
    expect(r).toEqual({
      ok: true,
      overage: null,
      identity: {
        subject: '00u1gatehousealice0h7',
        email: 'alice@acme.example',
        emailVerified: true,
        userName: 'alice@acme.example',
        displayName: 'Alice Anders',
        givenName: 'Alice',
        familyName: 'Anders',
        groups: [
          { id: null, name: 'Everyone' },
          { id: null, name: 'Gateway-Admins' },
        ],
        groupsComplete: true,
        claims: { email: ['alice@acme.example'], firstName: ['Alice'], lastName: ['Anders'] },
        roles: [],
      },
    });
  });

  it('okta: one group arrives as a single value and is still a list', () => {
    const r = mapAssertion(facts({ groups: ['Everyone'] }, persistent('00u2')), PRESETS.okta);
    expect(r.ok && r.identity.groups).toEqual([{ id: null, name: 'Everyone' }]);
  });

  it('okta: an email-format NameID is refused as a subject (emails change), with the setting to fix', () => {
    const r = mapAssertion(
      facts(
        {},
        {
          value: 'alice@acme.example',
          format: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
          nameQualifier: null,
          spNameQualifier: null,
        },
      ),
      PRESETS.okta,
    );
    expect(r).toMatchObject({ ok: false, check: 'subject' });
    expect(r.ok ? '' : r.message).toMatch(/Name ID format "Persistent"/);
    expect(mapAssertion(facts({}), PRESETS.okta)).toMatchObject({ ok: false, check: 'subject' });
  });

  it('a custom attribute name replaces the preset one', () => {
    const m = attributeMapping('okta', { email: 'mail', groups: 'memberOf' });
    const r = mapAssertion(
      facts({ mail: ['a@x'], memberOf: ['g1'], email: ['ignored@x'] }, persistent('00u3')),
      m,
    );
    expect(r.ok && [r.identity.email, r.identity.groups]).toEqual([
      'a@x',
      [{ id: null, name: 'g1' }],
    ]);
  });
});

describe('entra attribute mapping', () => {
  const entra = (extra: Record<string, string[]>) =>
    facts(
      {
        [ENTRA_CLAIM.tenantId]: [TID],
        [ENTRA_CLAIM.objectId]: [OID],
        [ENTRA_CLAIM.name]: ['erin@contoso.onmicrosoft.com'],
        [ENTRA_CLAIM.email]: ['erin@contoso.example'],
        [ENTRA_CLAIM.givenName]: ['Erin'],
        [ENTRA_CLAIM.surname]: ['Evans'],
        [ENTRA_CLAIM.displayName]: ['Erin Evans (IT)'],
        ...extra,
      },
      persistent('pairwise-id'),
    );

  it('entra: the subject is {tenantid}:{objectidentifier}, as the OIDC connection keys Entra users', () => {
    const r = mapAssertion(
      entra({
        [ENTRA_CLAIM.groups]: ['07dd8a60-bf6d-4e17-8844-230b77145381'],
        [ENTRA_CLAIM.role]: ['Gateway.Admin'],
      }),
      PRESETS.entra,
    );
    if (!r.ok) throw new Error(r.message);
    expect(r.identity).toMatchObject({
      subject: `${TID}:${OID}`,
      email: 'erin@contoso.example',
      emailVerified: false,
      userName: 'erin@contoso.onmicrosoft.com',
      displayName: 'Erin Evans (IT)',
      groups: [{ id: '07dd8a60-bf6d-4e17-8844-230b77145381', name: null }],
      groupsComplete: true,
      roles: ['Gateway.Admin'],
    });
    expect(r.overage).toBeNull();
  });

  it('entra: GUIDs are compared lowercase, so case differences do not make a second user', () => {
    const r = mapAssertion(
      facts({
        [ENTRA_CLAIM.tenantId]: [TID.toUpperCase()],
        [ENTRA_CLAIM.objectId]: [OID.toUpperCase()],
      }),
      PRESETS.entra,
    );
    expect(r.ok && r.identity.subject).toBe(`${TID}:${OID}`);
  });

  it('entra: groups.link means overage: no groups, incomplete, and the ids Graph needs (never the link URL)', () => {
    const r = mapAssertion(
      entra({ [ENTRA_CLAIM.groupsLink]: ['https://graph.windows.net/evil/getMemberObjects'] }),
      PRESETS.entra,
    );
    if (!r.ok) throw new Error(r.message);
    expect(r.identity.groups).toEqual([]);
    expect(r.identity.groupsComplete).toBe(false);
    expect(r.overage).toEqual({ tenantId: TID, objectId: OID });
    expect(JSON.stringify(r.identity.claims)).not.toContain('graph.windows.net');
  });

  it('entra: a missing or doubled object id is refused, never guessed', () => {
    expect(mapAssertion(facts({ [ENTRA_CLAIM.tenantId]: [TID] }), PRESETS.entra)).toMatchObject({
      check: 'subject',
    });
    expect(
      mapAssertion(
        facts({
          [ENTRA_CLAIM.tenantId]: [TID],
          [ENTRA_CLAIM.objectId]: [OID, '11111111-2222-3333-4444-555555555555'],
        }),
        PRESETS.entra,
      ),
    ).toMatchObject({ check: 'subject' });
    expect(
      mapAssertion(
        facts({ [ENTRA_CLAIM.tenantId]: [TID], [ENTRA_CLAIM.objectId]: ['not-a-guid'] }),
        PRESETS.entra,
      ),
    ).toMatchObject({ check: 'subject' });
  });
});

describe('attribute values', () => {
  it('property: groups and roles are always de-duplicated lists of the non-empty values sent', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 8 }), { maxLength: 6 }), (vals) => {
        const r = mapAssertion(
          facts({ groups: vals, roles: vals }, persistent('00u')),
          PRESETS.okta,
        );
        if (!r.ok) throw new Error(r.message);
        const want = [...new Set(vals.map((v) => v.trim()).filter((v) => v !== ''))];
        expect(r.identity.groups.map((g) => g.name)).toEqual(want);
        expect(r.identity.roles).toEqual(want);
      }),
    );
  });

  it('no attributes at all still maps (nulls and empty lists, never undefined)', () => {
    const r = mapAssertion(facts({}, persistent('00u')), PRESETS.okta);
    expect(r.ok && r.identity).toMatchObject({
      email: null,
      displayName: null,
      groups: [],
      roles: [],
    });
  });
});
