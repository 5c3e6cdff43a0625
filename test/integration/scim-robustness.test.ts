import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/db.js';
import {
  asUser,
  expectScim,
  expectScimError,
  GROUP_URN,
  PATCH_OP,
  type ScimRig,
  scimRig,
  USER_URN,
} from '../support/scim.js';

/**
 * Bad input gets the right SCIM error — never a 500, never a partial write — whatever part of
 * the request is wrong: the JSON, a type, a required attribute, the size, the paging numbers.
 */
describe.each(dialects())('SCIM bad input (%s)', (dialect) => {
  let r: ScimRig;
  let n = 0;
  const fresh = () => `robust${n++}.${dialect}@acme.com`;
  const count = async (table: 'users' | 'teams' | 'team_memberships' | 'audit_events') =>
    Number(
      (
        await r.t.db.kysely
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const user = async () =>
    asUser(
      expectScim(
        await r.scim.send('POST', '/Users', {
          schemas: [USER_URN],
          userName: fresh(),
          title: 'Engineer',
        }),
        201,
      ),
    );

  beforeAll(async () => {
    r = await scimRig(dialect);
  });
  afterAll(async () => r?.close());

  it('malformed JSON is 400 invalidSyntax, and nothing is written', async () => {
    const before = await count('users');
    const e = expectScimError(
      await r.scim.send('POST', '/Users', '{"acve": tre, "userName": "x"'),
      400,
      'invalidSyntax',
    );
    expect(e.detail).toMatch(/not valid JSON/);
    expect(await count('users')).toBe(before);
  });

  it('a body that is not an object, or none at all, is 400 invalidSyntax', async () => {
    for (const body of ['[]', '"userName"', '42', 'null'])
      expectScimError(await r.scim.send('POST', '/Users', body), 400, 'invalidSyntax');
    expectScimError(
      await r.scim.send('POST', '/Users', undefined, { 'content-type': 'application/scim+json' }),
      400,
      'invalidSyntax',
    );
  });

  it('wrong types are 400 invalidValue naming the attribute', async () => {
    const cases: Record<string, unknown>[] = [
      { userName: 42 },
      { userName: fresh(), active: 'maybe' },
      { userName: fresh(), emails: 'me@acme.com' },
      { userName: fresh(), name: 'Jane' },
      { userName: fresh(), schemas: 'urn:x' },
    ];
    for (const c of cases) {
      const res = await r.scim.send('POST', '/Users', { schemas: [USER_URN], ...c });
      expect(res.status, JSON.stringify(c)).toBe(400);
      expect(['invalidValue', 'invalidSyntax']).toContain(res.body.scimType);
    }
    const e = expectScimError(
      await r.scim.send('POST', '/Users', {
        schemas: [USER_URN],
        userName: fresh(),
        active: 'maybe',
      }),
      400,
      'invalidValue',
    );
    expect(e.detail).toContain("'active'");
  });

  it('missing required attributes are 400 invalidValue: userName, a Group displayName', async () => {
    expectScimError(
      await r.scim.send('POST', '/Users', { schemas: [USER_URN] }),
      400,
      'invalidValue',
    );
    expectScimError(
      await r.scim.send('POST', '/Users', { schemas: [USER_URN], userName: '   ' }),
      400,
      'invalidValue',
    );
    expectScimError(
      await r.scim.send('POST', '/Groups', { schemas: [GROUP_URN] }),
      400,
      'invalidValue',
    );
    const u = await user();
    expectScimError(
      await r.scim.send('PUT', `/Users/${u.id}`, { schemas: [USER_URN], userame: 'typo' }),
      400,
      'invalidValue',
    );
  });

  it('unknown attributes are ignored (201), and the activity log lists them', async () => {
    const u = asUser(
      expectScim(
        await r.scim.send('POST', '/Users', {
          schemas: [USER_URN],
          userName: fresh(),
          adreses: [{ country: 'Germany' }],
          shoeSize: 44,
        }),
        201,
      ),
    );
    expect(u.adreses).toBeUndefined();
    const log = JSON.parse(
      (await r.t.call({ method: 'GET', url: '/api/v1/scim/activity?limit=1' })).body,
    ) as { data: { ignored: string[] }[] };
    expect(log.data[0]?.ignored).toEqual(['adreses', 'shoeSize']);
  });

  it('an oversized body is 413 in SCIM shape, before anything is parsed', async () => {
    const huge = JSON.stringify({
      schemas: [USER_URN],
      userName: fresh(),
      title: 'x'.repeat(5 * 1024 * 1024),
    });
    const res = await r.scim.send('POST', '/Users', huge);
    const e = expectScimError(res, 413);
    expect(e.detail).toContain('4 MiB');
    // Above the management API's 1 MiB, a full-membership PATCH still fits (here: refused for
    // its unknown members, not for its size).
    const g = expectScim(
      await r.scim.send('POST', '/Groups', {
        schemas: [GROUP_URN],
        displayName: `wide-${dialect}`,
      }),
      201,
    );
    const members = Array.from({ length: 25_000 }, (_, i) => ({
      value: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    }));
    const wide = await r.scim.send('PATCH', `/Groups/${g.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', path: 'members', value: members }],
    });
    expect(JSON.stringify(members).length).toBeGreaterThan(1024 * 1024);
    expect(expectScimError(wide, 400, 'invalidValue').detail).toContain('25000 id(s)');
  });

  it('absurd count and startIndex: capped, floored, or 400 invalidValue — never a 500', async () => {
    await user();
    const capped = expectScim(await r.scim.send('GET', '/Users?count=99999999'), 200);
    expect(capped.itemsPerPage).toBeLessThanOrEqual(1000);
    const none = expectScim(await r.scim.send('GET', '/Users?count=-5'), 200);
    expect(none).toMatchObject({ itemsPerPage: 0, Resources: [] });
    expect(none.totalResults).toBeGreaterThan(0);
    const first = expectScim(await r.scim.send('GET', '/Users?startIndex=-3&count=1'), 200);
    expect(first.startIndex).toBe(1);
    const beyond = expectScim(await r.scim.send('GET', '/Users?startIndex=999999999999999'), 200);
    expect(beyond.Resources).toEqual([]);
    for (const q of [
      'count=abc',
      'startIndex=1.5',
      'count=100000000000000000000',
      'count=1&count=2',
    ])
      expectScimError(await r.scim.send('GET', `/Users?${q}`), 400, 'invalidValue');
    expectScimError(await r.scim.send('GET', '/Users?sortBy=shoeSize'), 400, 'invalidValue');
    expectScimError(await r.scim.send('GET', '/Users?sortOrder=sideways'), 400, 'invalidValue');
  });

  it('an invalid filter is 400 invalidFilter naming the position', async () => {
    const e = expectScimError(
      await r.scim.send('GET', '/Users?filter=userName eq "a" and shoeSize gt 3'),
      400,
      'invalidFilter',
    );
    expect(e.detail).toMatch(/position 20: .*shoeSize/);
    expectScimError(await r.scim.send('GET', '/Users?filter=userName eq'), 400, 'invalidFilter');
    expectScimError(await r.scim.send('GET', '/Groups?filter=((('), 400, 'invalidFilter');
  });

  it('a PATCH is all or nothing: a bad operation after good ones changes nothing', async () => {
    const u = await user();
    const audits = await count('audit_events');
    const res = await r.scim.send('PATCH', `/Users/${u.id}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'replace', path: 'displayName', value: 'Changed' },
        { op: 'replace', path: 'active', value: false },
        { op: 'replace', path: 'emails[type eq', value: 'x' },
      ],
    });
    expectScimError(res, 400, 'invalidPath');
    const after = asUser(expectScim(await r.scim.send('GET', `/Users/${u.id}`), 200));
    expect(after.displayName).toBeUndefined();
    expect(after.active).toBe(true);
    expect(after.meta.version).toBe(u.meta.version);
    expect(await count('audit_events')).toBe(audits);
  });

  it('PATCH messages that are not PatchOps are 400 invalidSyntax; read-only attributes 400 mutability', async () => {
    const u = await user();
    const send = (body: unknown) => r.scim.send('PATCH', `/Users/${u.id}`, body);
    expectScimError(
      await send({ Operations: [{ op: 'replace', path: 'title', value: 'x' }] }),
      400,
      'invalidSyntax',
    );
    expectScimError(await send({ schemas: [PATCH_OP], Operations: [] }), 400, 'invalidSyntax');
    expectScimError(
      await send({ schemas: [PATCH_OP], Operations: [{ op: 'upsert', path: 'title' }] }),
      400,
      'invalidSyntax',
    );
    expectScimError(
      await send({ schemas: [PATCH_OP], Operations: [{ op: 'remove' }] }),
      400,
      'noTarget',
    );
    expectScimError(
      await send({
        schemas: [PATCH_OP],
        Operations: [{ op: 'replace', path: 'id', value: 'mine' }],
      }),
      400,
      'mutability',
    );
    expectScimError(
      await send({ schemas: [PATCH_OP], Operations: [{ op: 'remove', path: 'userName' }] }),
      400,
      'invalidValue',
    );
  });

  it('a group write with one unknown member writes nothing: no team, no membership', async () => {
    const a = await user();
    const teams = await count('teams');
    const memberships = await count('team_memberships');
    const res = await r.scim.send('POST', '/Groups', {
      schemas: [GROUP_URN],
      displayName: `partial-${dialect}`,
      members: [{ value: a.id }, { value: 'no-such-user' }],
    });
    const e = expectScimError(res, 400, 'invalidValue');
    expect(e.detail).toContain('no-such-user');
    expect(await count('teams')).toBe(teams);
    expect(await count('team_memberships')).toBe(memberships);
    const g = expectScim(
      await r.scim.send('POST', '/Groups', {
        schemas: [GROUP_URN],
        displayName: `whole-${dialect}`,
      }),
      201,
    );
    expectScimError(
      await r.scim.send('PATCH', `/Groups/${g.id}`, {
        schemas: [PATCH_OP],
        Operations: [
          { op: 'replace', path: 'displayName', value: 'renamed' },
          { op: 'add', path: 'members', value: [{ value: a.id }, { value: 'ghost' }] },
        ],
      }),
      400,
      'invalidValue',
    );
    const read = expectScim(await r.scim.send('GET', `/Groups/${g.id}`), 200);
    expect(read).toMatchObject({ displayName: `whole-${dialect}`, members: [] });
  });

  it("a PUT that would take another user's name changes nothing else either", async () => {
    const a = await user();
    const b = await user();
    expectScimError(
      await r.scim.send('PUT', `/Users/${a.id}`, {
        schemas: [USER_URN],
        userName: b.userName,
        displayName: 'New',
      }),
      409,
      'uniqueness',
    );
    expect(
      asUser(expectScim(await r.scim.send('GET', `/Users/${a.id}`), 200)).displayName,
    ).toBeUndefined();
  });

  it('a body in another content type is 415 in SCIM shape', async () => {
    const res = await r.scim.send('POST', '/Users', 'userName=x', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    const e = expectScimError(res, 415);
    expect(e.detail).toContain('application/scim+json');
  });

  it('unknown routes, broken URLs and overlong ids answer in SCIM shape (unknown routes after the token)', async () => {
    expectScimError(await r.scim.send('GET', '/Bulk'), 404);
    expectScimError(await r.scim.send('GET', '/Bulk', undefined, { authorization: '' }), 401);
    expectScimError(await r.scim.send('GET', '/Users/%E0%A4%A'), 400, 'invalidSyntax');
    expectScimError(await r.scim.send('GET', `/Users/${'x'.repeat(201)}`), 414);
  });

  it('fuzz: any JSON as a User POST or PATCH body is a 2xx or a 4xx in SCIM shape, never a 500', async () => {
    const u = await user();
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 3 }), fc.boolean(), async (value, asPatch) => {
        const body =
          asPatch && value !== null && typeof value === 'object' && !Array.isArray(value)
            ? { schemas: [PATCH_OP], Operations: [value] }
            : value;
        const res = asPatch
          ? await r.scim.send('PATCH', `/Users/${u.id}`, JSON.stringify(body))
          : await r.scim.send('POST', '/Users', JSON.stringify(body));
        expect(res.status).toBeLessThan(500);
        if (res.status >= 400)
          expect(res.headers.get('content-type')).toMatch(/^application\/scim\+json/);
      }),
      { numRuns: 60 },
    );
  });
});

describe('SCIM rate limit (sqlite, injected clock)', () => {
  let r: ScimRig;
  let now = Date.parse('2024-06-01T00:00:00Z');
  beforeAll(async () => {
    r = await scimRig(
      'sqlite',
      { scim: { rate_limit: { requests_per_second: 2, burst: 3 } } },
      { now: () => new Date(now) },
    );
  });
  afterAll(async () => r?.close());

  it('over the limit: 429 with a whole-second Retry-After, per token; the clock frees it', async () => {
    for (let i = 0; i < 3; i++) expectScim(await r.scim.send('GET', '/Users'), 200);
    const res = await r.scim.send('GET', '/Users');
    expectScimError(res, 429);
    expect(res.headers.get('retry-after')).toBe('1');
    const other = await r.newToken('Second client');
    expectScim(await other.client.send('GET', '/Users'), 200);
    now += 500;
    expectScim(await r.scim.send('GET', '/Users'), 200);
    expectScimError(await r.scim.send('GET', '/Users'), 429);
    const log = JSON.parse(
      (
        await r.t.call({
          method: 'GET',
          url: `/api/v1/scim/activity?token_id=${r.tokenId}&failures=true`,
        })
      ).body,
    ) as { data: { status: number; error: { code: string } }[] };
    expect(log.data.map((e) => e.status)).toEqual([429, 429]);
    expect(log.data[0]?.error.code).toBe('rate_limited');
  });
});
