/**
 * Test people shaped like what Okta and Entra ID put into their assertions: Okta with plain
 * attribute names, group names and an Okta user id as persistent NameID; Entra with its claim
 * URIs, group object ids, app roles and the `groups.link` overage attribute.
 */
export interface IdpUser {
  username: string;
  password: string;
  /** The persistent NameID SimpleSAMLphp sends for this person. */
  nameId: string;
  attributes: Record<string, string[]>;
}

export type IdpFlavor = 'okta' | 'entra';

export const OKTA_ENTITY_ID = 'http://www.okta.com/exk1gatehousetest0h7';

export const ENTRA_TENANT_ID = '9122040d-6c67-4c5b-b112-36a304b66dad';
export const ENTRA_ENTITY_ID = `https://sts.windows.net/${ENTRA_TENANT_ID}/`;

export const ENTRA_CLAIMS = {
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
  identityProvider: 'http://schemas.microsoft.com/identity/claims/identityprovider',
} as const;

export const ENTRA_GROUPS = {
  admins: '07dd8a60-bf6d-4e17-8844-230b77145381',
  engineers: '5581e43f-6096-41d4-8ffa-04e560bab39d',
} as const;

export const OKTA_USERS = {
  alice: {
    username: 'alice',
    password: 'alice-Okta-pw-1',
    nameId: '00u1gatehousealice0h7',
    attributes: {
      email: ['alice@acme.example'],
      firstName: ['Alice'],
      lastName: ['Anders'],
      groups: ['Everyone', 'Gateway-Admins'],
    },
  },
  // One group only: SAML carries it as a single AttributeValue, which must still map to a list.
  olga: {
    username: 'olga',
    password: 'olga-Okta-pw-2',
    nameId: '00u1gatehouseolga00h7',
    attributes: {
      email: ['olga@acme.example'],
      firstName: ['Olga'],
      lastName: ['Olsen'],
      groups: ['Everyone'],
    },
  },
} satisfies Record<string, IdpUser>;

const entraUser = (
  username: string,
  password: string,
  oid: string,
  upn: string,
  given: string,
  surname: string,
  extra: Record<string, string[]>,
): IdpUser => ({
  username,
  password,
  // Entra sends a pairwise persistent NameID when the SP asks for persistent.
  nameId: `${oid.replace(/-/g, '').slice(0, 16)}pairwise`,
  attributes: {
    [ENTRA_CLAIMS.tenantId]: [ENTRA_TENANT_ID],
    [ENTRA_CLAIMS.objectId]: [oid],
    [ENTRA_CLAIMS.name]: [upn],
    [ENTRA_CLAIMS.email]: [upn.replace('@contoso.onmicrosoft.com', '@contoso.example')],
    [ENTRA_CLAIMS.givenName]: [given],
    [ENTRA_CLAIMS.surname]: [surname],
    [ENTRA_CLAIMS.displayName]: [`${given} ${surname}`],
    [ENTRA_CLAIMS.identityProvider]: [ENTRA_ENTITY_ID],
    ...extra,
  },
});

export const ENTRA_USERS = {
  erin: entraUser(
    'erin',
    'erin-Entra-pw-1',
    '00000000-0000-0000-66f3-3332eca7ea81',
    'erin@contoso.onmicrosoft.com',
    'Erin',
    'Evans',
    {
      [ENTRA_CLAIMS.groups]: [ENTRA_GROUPS.admins, ENTRA_GROUPS.engineers],
      [ENTRA_CLAIMS.role]: ['Gateway.Admin'],
    },
  ),
  // More than 150 groups: Entra leaves the groups out and points at Graph instead.
  oscar: entraUser(
    'oscar',
    'oscar-Entra-pw-2',
    '11111111-2222-3333-4444-555555555555',
    'oscar@contoso.onmicrosoft.com',
    'Oscar',
    'Olsen',
    {
      [ENTRA_CLAIMS.groupsLink]: [
        `https://graph.windows.net/${ENTRA_TENANT_ID}/users/11111111-2222-3333-4444-555555555555/getMemberObjects`,
      ],
      [ENTRA_CLAIMS.role]: ['Gateway.User'],
    },
  ),
} satisfies Record<string, IdpUser>;

export function usersOf(flavor: IdpFlavor): Record<string, IdpUser> {
  return flavor === 'okta' ? OKTA_USERS : ENTRA_USERS;
}

export function entityIdOf(flavor: IdpFlavor): string {
  return flavor === 'okta' ? OKTA_ENTITY_ID : ENTRA_ENTITY_ID;
}
