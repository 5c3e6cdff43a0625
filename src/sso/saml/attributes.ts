import type { VerifiedIdentity } from '../../provisioning/types.js';
import type { GroupRef } from '../../roles/types.js';
import type { AssertionFacts } from './assertion.js';
import { fail, type SamlResult } from './types.js';

/** What a SAML connection hands to sign-in; `connection` is added by the caller. */
export type SamlIdentity = Omit<VerifiedIdentity, 'connection'>;

export const PERSISTENT_NAME_ID = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';

export const ENTRA_CLAIM = {
  tenantId: 'http://schemas.microsoft.com/identity/claims/tenantid',
  objectId: 'http://schemas.microsoft.com/identity/claims/objectidentifier',
  name: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name',
  email: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress',
  givenName: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname',
  surname: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname',
  displayName: 'http://schemas.microsoft.com/identity/claims/displayname',
  groups: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups',
  groupsLink: 'http://schemas.microsoft.com/claims/groups.link',
  role: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role',
} as const;

export type SubjectSource =
  /** Okta (Name ID format "Persistent"): the Okta user id, the same value as the OIDC `sub`. */
  | { from: 'persistent_name_id' }
  /** Entra: `{tenantid}:{objectidentifier}`, the subject the OIDC connection uses for Entra too. */
  | { from: 'entra_object_id' }
  /** Any single-valued attribute the admin knows to be immutable. */
  | { from: 'attribute'; attribute: string };

/** Per connection: which attribute feeds which field. Lists are tried in order; first wins. */
export interface AttributeMapping {
  subject: SubjectSource;
  email: readonly string[];
  /** Whether the IdP vouches for the email (Okta's primary email); Entra's `mail` is unchecked. */
  emailVerified: boolean;
  userName: readonly string[];
  displayName: readonly string[];
  givenName: readonly string[];
  familyName: readonly string[];
  groups: string | null;
  /** Okta sends group names; Entra sends object ids (names come from Graph). */
  groupValues: 'names' | 'ids';
  roles: string | null;
  /** An attribute whose presence means "too many groups to list: ask Graph" (Entra). */
  groupsOverage: string | null;
}

export const PRESETS = {
  okta: {
    subject: { from: 'persistent_name_id' },
    email: ['email'],
    emailVerified: true,
    userName: ['login', 'email'],
    displayName: ['displayName'],
    givenName: ['firstName'],
    familyName: ['lastName'],
    groups: 'groups',
    groupValues: 'names',
    roles: 'roles',
    groupsOverage: null,
  },
  entra: {
    subject: { from: 'entra_object_id' },
    email: [ENTRA_CLAIM.email],
    emailVerified: false,
    userName: [ENTRA_CLAIM.name],
    displayName: [ENTRA_CLAIM.displayName],
    givenName: [ENTRA_CLAIM.givenName],
    familyName: [ENTRA_CLAIM.surname],
    groups: ENTRA_CLAIM.groups,
    groupValues: 'ids',
    roles: ENTRA_CLAIM.role,
    groupsOverage: ENTRA_CLAIM.groupsLink,
  },
} as const satisfies Record<string, AttributeMapping>;

export type MappingPreset = keyof typeof PRESETS;

/** A preset with some attribute names replaced (the connection's `attributes` settings). */
export function attributeMapping(
  preset: MappingPreset,
  overrides: Partial<
    Record<'email' | 'name' | 'given_name' | 'family_name' | 'groups' | 'roles', string>
  > = {},
): AttributeMapping {
  const base: AttributeMapping = PRESETS[preset];
  return {
    ...base,
    ...(overrides.email ? { email: [overrides.email] } : {}),
    ...(overrides.name ? { displayName: [overrides.name] } : {}),
    ...(overrides.given_name ? { givenName: [overrides.given_name] } : {}),
    ...(overrides.family_name ? { familyName: [overrides.family_name] } : {}),
    ...(overrides.groups ? { groups: overrides.groups } : {}),
    ...(overrides.roles ? { roles: overrides.roles } : {}),
  };
}

export interface MappedIdentity {
  identity: SamlIdentity;
  /**
   * Entra left the groups out (`groups.link`): the caller fetches them from Microsoft Graph with
   * a URL it builds from these ids (never the link's URL), then sets groups and groupsComplete.
   */
  overage: { tenantId: string | null; objectId: string | null } | null;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX_SUBJECT = 512;

const values = (attrs: Record<string, string[]>, name: string | null): string[] =>
  name && Object.hasOwn(attrs, name)
    ? (attrs[name] ?? []).map((v) => v.trim()).filter((v) => v !== '')
    : [];

const first = (attrs: Record<string, string[]>, names: readonly string[]): string | null => {
  for (const n of names) {
    const v = values(attrs, n)[0];
    if (v !== undefined) return v;
  }
  return null;
};

function single(
  attrs: Record<string, string[]>,
  name: string,
  label: string,
): SamlResult<{ value: string }> {
  const [value, ...more] = new Set(values(attrs, name));
  if (value === undefined) {
    return fail(
      'subject',
      `The assertion has no ${label} attribute (${name}); add it to the IdP's claims.`,
    );
  }
  if (more.length > 0)
    return fail('subject', `The assertion has several ${label} values; it must have one.`);
  return { ok: true, value };
}

function subjectOf(a: AssertionFacts, m: AttributeMapping): SamlResult<{ subject: string }> {
  const s = m.subject;
  let subject: string;
  if (s.from === 'persistent_name_id') {
    if (!a.nameId || a.nameId.value === '') {
      return fail(
        'subject',
        'The assertion has no NameID; set the IdP to send a persistent NameID.',
      );
    }
    if (a.nameId.format !== PERSISTENT_NAME_ID) {
      return fail(
        'subject',
        `The NameID format is ${a.nameId.format ?? 'unspecified'}; this connection keys people on a persistent NameID (in Okta: Name ID format "Persistent"), because an email or login name can change.`,
      );
    }
    subject = a.nameId.value;
  } else if (s.from === 'entra_object_id') {
    const tid = single(a.attributes, ENTRA_CLAIM.tenantId, 'tenant id');
    if (!tid.ok) return tid;
    const oid = single(a.attributes, ENTRA_CLAIM.objectId, 'object id');
    if (!oid.ok) return oid;
    const t = tid.value.toLowerCase();
    const o = oid.value.toLowerCase();
    if (!GUID.test(t) || !GUID.test(o)) {
      return fail('subject', 'The Entra tenant id or object id in the assertion is not a GUID.');
    }
    subject = `${t}:${o}`;
  } else {
    const v = single(a.attributes, s.attribute, 'subject');
    if (!v.ok) return v;
    subject = v.value;
  }
  if (subject.length > MAX_SUBJECT) {
    return fail(
      'subject',
      `The subject is longer than ${MAX_SUBJECT} characters; it cannot be an IdP's user id.`,
    );
  }
  return { ok: true, subject };
}

/**
 * Maps a verified assertion to the identity sign-in takes. Pure: attribute values are always
 * lists here, so one group arriving as a single value is still a list of one.
 */
export function mapAssertion(a: AssertionFacts, m: AttributeMapping): SamlResult<MappedIdentity> {
  const subject = subjectOf(a, m);
  if (!subject.ok) return subject;
  const attrs = a.attributes;
  const overage = m.groupsOverage !== null && values(attrs, m.groupsOverage).length > 0;
  const groups: GroupRef[] = overage
    ? []
    : [...new Set(values(attrs, m.groups))].map((v) =>
        m.groupValues === 'ids' ? { id: v, name: null } : { id: null, name: v },
      );
  const givenName = first(attrs, m.givenName);
  const familyName = first(attrs, m.familyName);
  const composed = [givenName, familyName].filter((x) => x !== null).join(' ');
  const claims = Object.fromEntries(
    Object.entries(attrs).filter(([k]) => k !== m.groups && k !== m.groupsOverage),
  );
  return {
    ok: true,
    identity: {
      subject: subject.subject,
      email: first(attrs, m.email),
      emailVerified: m.emailVerified,
      userName: first(attrs, m.userName),
      displayName: first(attrs, m.displayName) ?? (composed === '' ? null : composed),
      givenName,
      familyName,
      groups,
      groupsComplete: !overage,
      claims,
      roles: [...new Set(values(attrs, m.roles))],
    },
    overage: overage
      ? {
          tenantId: values(attrs, ENTRA_CLAIM.tenantId)[0]?.toLowerCase() ?? null,
          objectId: values(attrs, ENTRA_CLAIM.objectId)[0]?.toLowerCase() ?? null,
        }
      : null,
  };
}
