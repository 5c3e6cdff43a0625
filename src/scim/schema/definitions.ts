import type { AttributeDef, AttributeType, ResourceTypeDef, SchemaDef } from './types.js';
import { URN } from './types.js';

type Options = Partial<Omit<AttributeDef, 'name' | 'type' | 'description'>>;

function attr(
  name: string,
  type: AttributeType,
  description: string,
  opts: Options = {},
): AttributeDef {
  return {
    name,
    type,
    multiValued: false,
    description,
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    ...opts,
  };
}

const str = (name: string, description: string, opts?: Options) =>
  attr(name, 'string', description, opts);

/** RFC 7643 §2.4's shape shared by emails, phoneNumbers, ims, photos, entitlements, roles, … */
function multi(
  name: string,
  description: string,
  types: readonly string[] | undefined,
  value: AttributeDef = str('value', `The ${name} value.`),
): AttributeDef {
  return attr(name, 'complex', description, {
    multiValued: true,
    subAttributes: [
      value,
      str('display', 'A human-readable name, primarily used for display purposes.'),
      str(
        'type',
        `A label indicating the ${name} function.`,
        types ? { canonicalValues: types } : {},
      ),
      attr('primary', 'boolean', `Whether this is the primary ${name} value.`),
    ],
  });
}

/** id, externalId and meta: on every resource, outside any schema (RFC 7643 §3.1). */
export const COMMON_ATTRIBUTES: readonly AttributeDef[] = [
  str('id', 'Unique identifier for the resource, assigned by the service provider.', {
    caseExact: true,
    mutability: 'readOnly',
    returned: 'always',
    uniqueness: 'server',
  }),
  str('externalId', 'Identifier of the resource as defined by the provisioning client.', {
    caseExact: true,
  }),
  attr('meta', 'complex', 'Resource metadata.', {
    mutability: 'readOnly',
    subAttributes: [
      str('resourceType', 'The name of the resource type.', {
        caseExact: true,
        mutability: 'readOnly',
      }),
      attr('created', 'dateTime', 'When the resource was added.', { mutability: 'readOnly' }),
      attr('lastModified', 'dateTime', 'When the resource was last changed.', {
        mutability: 'readOnly',
      }),
      attr('location', 'reference', 'The URI of the resource.', {
        caseExact: true,
        mutability: 'readOnly',
        referenceTypes: ['uri'],
      }),
      str('version', 'The version (ETag) of the resource.', {
        caseExact: true,
        mutability: 'readOnly',
      }),
    ],
  }),
];

export const USER_SCHEMA: SchemaDef = {
  id: URN.user,
  name: 'User',
  description: 'User Account',
  attributes: [
    str('userName', 'Unique identifier for the User, used to sign in. Case-insensitive.', {
      required: true,
      uniqueness: 'server',
    }),
    attr('name', 'complex', "The components of the user's name.", {
      subAttributes: [
        str('formatted', 'The full name, formatted for display.'),
        str('familyName', 'The family name (last name).'),
        str('givenName', 'The given name (first name).'),
        str('middleName', 'The middle name(s).'),
        str('honorificPrefix', 'The honorific prefix(es), e.g. "Ms.".'),
        str('honorificSuffix', 'The honorific suffix(es), e.g. "III".'),
      ],
    }),
    str('displayName', 'The name of the User, suitable for display to end-users.'),
    str('nickName', 'The casual way to address the user.'),
    attr('profileUrl', 'reference', "A URI of the user's online profile.", {
      referenceTypes: ['external'],
    }),
    str('title', 'The user\'s title, such as "Vice President".'),
    str('userType', 'The relationship between the organization and the user.'),
    str('preferredLanguage', "The user's preferred written or spoken language."),
    str('locale', "The user's default location, e.g. en-US."),
    str('timezone', "The user's time zone in IANA format, e.g. America/Los_Angeles."),
    attr('active', 'boolean', "The user's administrative status. false deactivates the account."),
    multi('emails', 'Email addresses for the user.', ['work', 'home', 'other']),
    multi('phoneNumbers', 'Phone numbers for the user.', [
      'work',
      'home',
      'mobile',
      'fax',
      'pager',
      'other',
    ]),
    multi('ims', 'Instant messaging addresses for the user.', [
      'aim',
      'gtalk',
      'icq',
      'xmpp',
      'msn',
      'skype',
      'qq',
      'yahoo',
    ]),
    multi(
      'photos',
      'URLs of photos of the user.',
      ['photo', 'thumbnail'],
      attr('value', 'reference', 'URL of a photo of the user.', { referenceTypes: ['external'] }),
    ),
    attr('addresses', 'complex', 'Physical mailing addresses for the user.', {
      multiValued: true,
      subAttributes: [
        str('formatted', 'The full mailing address, formatted for display.'),
        str('streetAddress', 'The full street address component.'),
        str('locality', 'The city or locality component.'),
        str('region', 'The state or region component.'),
        str('postalCode', 'The zip code or postal code component.'),
        str('country', 'The country name component.'),
        str('type', 'A label indicating the address function.', {
          canonicalValues: ['work', 'home', 'other'],
        }),
        attr('primary', 'boolean', 'Whether this is the primary address.'),
      ],
    }),
    attr('groups', 'complex', 'The teams the user belongs to. Read-only: change it on /Groups.', {
      multiValued: true,
      mutability: 'readOnly',
      subAttributes: [
        str('value', 'The id of the group.', { mutability: 'readOnly' }),
        attr('$ref', 'reference', 'The URI of the group.', {
          mutability: 'readOnly',
          referenceTypes: ['Group'],
        }),
        str('display', 'The name of the group.', { mutability: 'readOnly' }),
        str('type', 'direct or indirect membership.', {
          mutability: 'readOnly',
          canonicalValues: ['direct', 'indirect'],
        }),
      ],
    }),
    multi('entitlements', 'Entitlements of the user.', undefined),
    multi('roles', 'Roles of the user, as the client names them (stored, not mapped).', undefined),
    multi(
      'x509Certificates',
      'X.509 certificates of the user.',
      undefined,
      attr('value', 'binary', 'The DER-encoded certificate, base64.', { caseExact: true }),
    ),
  ],
};

export const ENTERPRISE_USER_SCHEMA: SchemaDef = {
  id: URN.enterprise,
  name: 'EnterpriseUser',
  description: 'Enterprise User',
  attributes: [
    str('employeeNumber', 'Identifier of the user within the organization.'),
    str('costCenter', 'Name of a cost center.'),
    str('organization', 'Name of an organization.'),
    str('division', 'Name of a division.'),
    str('department', 'Name of a department.'),
    attr('manager', 'complex', "The user's manager.", {
      subAttributes: [
        str('value', 'The id of the manager, as the client knows it.'),
        attr('$ref', 'reference', 'The URI of the manager.', { referenceTypes: ['User'] }),
        str('displayName', 'The display name of the manager.', { mutability: 'readOnly' }),
      ],
    }),
  ],
};

export const GROUP_SCHEMA: SchemaDef = {
  id: URN.group,
  name: 'Group',
  description: 'Group',
  attributes: [
    str('displayName', 'The name of the group (the team name). Case-insensitive.', {
      required: true,
    }),
    attr('members', 'complex', 'The users in the group (the team members).', {
      multiValued: true,
      subAttributes: [
        str('value', 'The id of the member user.', { caseExact: true, mutability: 'immutable' }),
        attr('$ref', 'reference', 'The URI of the member user.', {
          mutability: 'immutable',
          referenceTypes: ['User'],
        }),
        str('display', "The member's display name.", { mutability: 'readOnly' }),
        str('type', 'The kind of member: only User is supported.', {
          mutability: 'immutable',
          canonicalValues: ['User'],
        }),
      ],
    }),
  ],
};

export const USER_RESOURCE: ResourceTypeDef = {
  name: 'User',
  endpoint: '/Users',
  description: 'User Account',
  schema: USER_SCHEMA,
  extensions: [{ schema: ENTERPRISE_USER_SCHEMA, required: false }],
};

export const GROUP_RESOURCE: ResourceTypeDef = {
  name: 'Group',
  endpoint: '/Groups',
  description: 'Group (a Gatehouse team)',
  schema: GROUP_SCHEMA,
  extensions: [],
};

export const RESOURCE_TYPES: readonly ResourceTypeDef[] = [USER_RESOURCE, GROUP_RESOURCE];
