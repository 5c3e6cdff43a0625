import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../errors/catalogue.js';
import { applyPatch } from './patch/engine.js';
import { applyGroupPatch } from './patch/group.js';
import { parsePatchRequest } from './patch/operations.js';
import { parseGroup } from './resources/group.js';
import { parseResource } from './resources/parse.js';
import { parseProjection } from './resources/projection.js';
import { USER_RESOURCE } from './schema/definitions.js';
import { URN } from './schema/types.js';

/**
 * Whatever a client sends, the core answers with a value or a catalogue error (a SCIM 4xx),
 * never with a TypeError that would surface as a 500, and never by changing its input.
 */
function onlyAppErrors(run: () => unknown): boolean {
  try {
    run();
    return true;
  } catch (e) {
    if (!isAppError(e)) throw e;
    expect(e.status).toBeGreaterThanOrEqual(400);
    expect(e.status).toBeLessThan(500);
    return false;
  }
}

const paths = fc.constantFrom(
  'userName',
  'displayName',
  'active',
  'name',
  'name.givenName',
  'emails',
  'emails.value',
  'emails[type eq "work"]',
  'emails[type eq "work"].value',
  'emails[value co "x" or primary eq true].type',
  'phoneNumbers[type eq "mobile"].value',
  'addresses[type eq "work"].postalCode',
  'members',
  'members[value eq "u1"]',
  'groups',
  'id',
  'meta.created',
  'x509Certificates',
  `${URN.enterprise}:manager`,
  `${URN.enterprise}:manager.value`,
  URN.enterprise,
  'nosuch',
  'emails[',
  'a.b.c',
  '',
);
const opNames = fc.oneof(
  { arbitrary: fc.constantFrom('add', 'Add', 'remove', 'Remove', 'replace', 'REPLACE'), weight: 9 },
  { arbitrary: fc.constantFrom('move', 7), weight: 1 },
);
const values = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom('True', 'False', '', null, [{ value: 'u1' }], { value: '' }, { givenName: 'A' }),
);
const wellFormed = fc.record({
  op: fc.constantFrom('add', 'Add', 'remove', 'replace', 'Replace'),
  path: paths.filter((p) => p !== '' && p !== 'emails[' && p !== 'a.b.c'),
  value: values,
});
const anyOperation = fc.record(
  {
    op: opNames,
    path: fc.option(paths, { nil: undefined }),
    value: fc.option(values, { nil: undefined }),
  },
  { requiredKeys: ['op'] },
);
const message = fc.oneof(
  {
    arbitrary: fc.record({
      schemas: fc.constant([URN.patchOp]),
      Operations: fc.array(
        fc.oneof({ arbitrary: wellFormed, weight: 4 }, { arbitrary: anyOperation, weight: 1 }),
        { minLength: 1, maxLength: 3 },
      ),
    }),
    weight: 9,
  },
  { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 1 },
);

const alice = {
  userName: 'alice',
  active: true,
  emails: [{ value: 'a@x', type: 'work', primary: true }],
  [URN.enterprise]: { manager: { value: 'm' } },
};

describe('fuzz: the SCIM core only ever throws catalogue errors', () => {
  it('User PATCH: random operations on a user, input left untouched', () => {
    let parsed = 0;
    let applied = 0;
    fc.assert(
      fc.property(message, (body) => {
        const before = JSON.stringify(alice);
        onlyAppErrors(() => {
          const ops = parsePatchRequest(body);
          parsed++;
          applyPatch(USER_RESOURCE, alice, ops, 'u1');
          applied++;
        });
        expect(JSON.stringify(alice)).toBe(before);
      }),
      { numRuns: 3000 },
    );
    // The generator must reach the engine and sometimes get through it, not stop at the door.
    expect(parsed).toBeGreaterThan(1000);
    expect(applied).toBeGreaterThan(50);
  });

  it('Group PATCH: random operations on a group', () => {
    fc.assert(
      fc.property(message, (body) => {
        onlyAppErrors(() => applyGroupPatch({ displayName: 'g' }, parsePatchRequest(body), 'g1'));
      }),
      { numRuns: 2000 },
    );
  });

  it('User and Group bodies: any JSON, and any JSON under real attribute names', () => {
    const body = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }),
      fc.dictionary(
        fc.constantFrom(
          'userName',
          'emails',
          'name',
          'active',
          'members',
          'displayName',
          URN.enterprise,
          'schemas',
          'roles',
        ),
        values,
      ),
    );
    fc.assert(
      fc.property(body, (b) => {
        onlyAppErrors(() => parseResource(USER_RESOURCE, b));
        onlyAppErrors(() => parseGroup(b));
      }),
      { numRuns: 3000 },
    );
  });

  it('attributes / excludedAttributes: any text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), fc.string({ maxLength: 80 }), (a, x) => {
        onlyAppErrors(() =>
          parseProjection(USER_RESOURCE, { attributes: a, excludedAttributes: x }),
        );
      }),
      { numRuns: 2000 },
    );
  });
});
