import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ajvDraft04 from 'ajv-draft-04';
import { describe, expect, it } from 'vitest';
import { SCIM_DATA } from '../../test/support/scimmy.js';
import {
  findResourceType,
  findSchema,
  resourceTypes,
  schemas,
  serviceProviderConfig,
} from './discovery.js';
import { LIST_LIMITS } from './query/list.js';
import { URN } from './schema/types.js';

const BASE = 'https://gw.acme.com/scim/v2';

/** suvera/scim2-compliance-test-utility's draft-04 JSON Schemas (MIT), vendored in scim-data. */
function validator(name: string) {
  const schema = JSON.parse(
    readFileSync(
      join(SCIM_DATA, 'suvera-scim2-compliance-test-utility', 'schema', `${name}.schema.json`),
      'utf8',
    ),
  ) as object;
  // A CommonJS module: under NodeNext its class is the `default` of the default import.
  const Ajv = ajvDraft04.default;
  const ajv = new Ajv({ allErrors: true, strict: false });
  return ajv.compile(schema);
}

function expectValid(name: string, doc: unknown): void {
  const validate = validator(name);
  const ok = validate(doc);
  expect(validate.errors ?? [], `${name}: ${JSON.stringify(validate.errors)}`).toEqual([]);
  expect(ok).toBe(true);
}

type Doc = Record<string, unknown> & { Resources: Record<string, unknown>[] };

describe('discovery documents against suvera JSON Schemas', () => {
  it('ServiceProviderConfig', () =>
    expectValid('ServiceProviderConfig', serviceProviderConfig(BASE)));

  it('ResourceTypes, and each ResourceType', () => {
    const list = resourceTypes(BASE) as Doc;
    expectValid('ResourceTypes', list);
    for (const rt of list.Resources) expectValid('ResourceType', rt);
  });

  it('Schemas, the User and Group schema documents, and the enterprise extension', () => {
    const list = schemas(BASE) as Doc;
    expectValid('Schemas', list);
    expectValid('CoreUser', findSchema(BASE, URN.user));
    expectValid('CoreGroup', findSchema(BASE, URN.group));
    expectValid('Schema', findSchema(BASE, URN.enterprise));
  });

  it('the validators are able to fail', () => {
    const broken = { ...serviceProviderConfig(BASE), patch: { supported: 'yes' } };
    expect(validator('ServiceProviderConfig')(broken)).toBe(false);
    const user = findSchema(BASE, URN.user) as { attributes: Record<string, unknown>[] };
    const noCaseExact = {
      ...user,
      attributes: [{ ...user.attributes[0], caseExact: undefined, multiValued: 'no' }],
    };
    expect(validator('CoreUser')(noCaseExact)).toBe(false);
  });
});

describe('what the documents say', () => {
  it('microsoft: ResourceTypes lists /Users first (M-01)', () => {
    expect((resourceTypes(BASE) as Doc).Resources[0]?.endpoint).toBe('/Users');
    expect((resourceTypes(BASE) as Doc).Resources.map((r) => r.endpoint)).toEqual([
      '/Users',
      '/Groups',
    ]);
  });

  it('microsoft: Schemas describes the User Account (M-02)', () => {
    expect(JSON.stringify(schemas(BASE))).toContain('User Account');
  });

  it('microsoft: PATCH is supported (M-03); bulk and password changes are not', () => {
    const spc = serviceProviderConfig(BASE) as Record<string, { supported: boolean }>;
    expect(spc.patch?.supported).toBe(true);
    expect(spc.bulk?.supported).toBe(false);
    expect(spc.changePassword?.supported).toBe(false);
    expect((spc.filter as unknown as { maxResults: number }).maxResults).toBe(LIST_LIMITS.maxCount);
  });

  it('User declares the enterprise extension; lookups are case-insensitive by name', () => {
    expect(findResourceType(BASE, 'user')).toMatchObject({
      schema: URN.user,
      schemaExtensions: [{ schema: URN.enterprise, required: false }],
      meta: { location: `${BASE}/ResourceTypes/User` },
    });
    expect(findResourceType(BASE, 'Device')).toBeNull();
    expect(findSchema(BASE, URN.enterprise.toUpperCase())).not.toBeNull();
  });

  it('userName is required, unique and case-insensitive; the password attribute is not offered', () => {
    const user = findSchema(BASE, URN.user) as { attributes: Record<string, unknown>[] };
    expect(user.attributes.find((a) => a.name === 'userName')).toMatchObject({
      required: true,
      caseExact: false,
      uniqueness: 'server',
    });
    expect(user.attributes.find((a) => a.name === 'password')).toBeUndefined();
  });
});
