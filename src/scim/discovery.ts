import { LIST_LIMITS } from './query/list.js';
import { listResponse } from './resources/list.js';
import type { ScimObject } from './resources/values.js';
import { RESOURCE_TYPES } from './schema/definitions.js';
import type { ResourceTypeDef, SchemaDef } from './schema/types.js';
import { URN } from './schema/types.js';

const base = (baseUrl: string) => baseUrl.replace(/\/+$/, '');

/**
 * What this implementation does, no more (RFC 7643 §5): PATCH, filters (at most
 * LIST_LIMITS.maxCount results a page), sorting and ETags yes; bulk and password changes no.
 */
export function serviceProviderConfig(baseUrl: string): ScimObject {
  return {
    schemas: [URN.serviceProviderConfig],
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: LIST_LIMITS.maxCount },
    changePassword: { supported: false },
    sort: { supported: true },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description:
          'A SCIM token made in Gatehouse (POST /api/v1/scim/tokens), sent as Authorization: Bearer <token>.',
        primary: true,
      },
    ],
    meta: {
      resourceType: 'ServiceProviderConfig',
      location: `${base(baseUrl)}/ServiceProviderConfig`,
    },
  };
}

export function resourceType(baseUrl: string, rt: ResourceTypeDef): ScimObject {
  return {
    schemas: [URN.resourceType],
    id: rt.name,
    name: rt.name,
    endpoint: rt.endpoint,
    description: rt.description,
    schema: rt.schema.id,
    schemaExtensions: rt.extensions.map((e) => ({ schema: e.schema.id, required: e.required })),
    meta: { resourceType: 'ResourceType', location: `${base(baseUrl)}/ResourceTypes/${rt.name}` },
  };
}

export function schemaDocument(baseUrl: string, schema: SchemaDef): ScimObject {
  return {
    schemas: [URN.schema],
    id: schema.id,
    name: schema.name,
    description: schema.description,
    attributes: schema.attributes,
    meta: { resourceType: 'Schema', location: `${base(baseUrl)}/Schemas/${schema.id}` },
  };
}

const ALL_SCHEMAS: readonly SchemaDef[] = RESOURCE_TYPES.flatMap((rt) => [
  rt.schema,
  ...rt.extensions.map((e) => e.schema),
]);

/** `/ResourceTypes`: User first (Microsoft's collection reads `Resources[0].endpoint`, M-01). */
export function resourceTypes(baseUrl: string): ScimObject {
  const all = RESOURCE_TYPES.map((rt) => resourceType(baseUrl, rt));
  return listResponse(all, { totalResults: all.length, startIndex: 1 });
}

export function schemas(baseUrl: string): ScimObject {
  const all = ALL_SCHEMAS.map((s) => schemaDocument(baseUrl, s));
  return listResponse(all, { totalResults: all.length, startIndex: 1 });
}

/** `/ResourceTypes/User`, `/Schemas/urn:…`: null when there is no such document. */
export function findResourceType(baseUrl: string, name: string): ScimObject | null {
  const rt = RESOURCE_TYPES.find((r) => r.name.toLowerCase() === name.toLowerCase());
  return rt ? resourceType(baseUrl, rt) : null;
}

export function findSchema(baseUrl: string, id: string): ScimObject | null {
  const s = ALL_SCHEMAS.find((x) => x.id.toLowerCase() === id.toLowerCase());
  return s ? schemaDocument(baseUrl, s) : null;
}
