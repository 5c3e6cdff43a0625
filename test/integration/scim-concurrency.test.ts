import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/db.js';
import {
  asGroup,
  asUser,
  expectScim,
  GROUP_URN,
  PATCH_OP,
  type ScimRig,
  scimRig,
  USER_URN,
} from '../support/scim.js';

/**
 * Entra sends PATCHes for one group in parallel. Each is its own transaction; on PostgreSQL
 * the team row is locked first, so they run one after another and each sees the others'
 * result. The outcome must be exactly the union of all operations.
 */
describe.each(dialects())('concurrent SCIM writes (%s)', (dialect) => {
  let r: ScimRig;
  let users: string[] = [];
  let k = 0;

  const group = async (members: string[] = []) =>
    asGroup(
      expectScim(
        await r.scim.send('POST', '/Groups', {
          schemas: [GROUP_URN],
          displayName: `parallel-${dialect}-${k++}`,
          members: members.map((value) => ({ value })),
        }),
        201,
      ),
    );
  const members = async (gid: string) =>
    (
      await r.t.db.kysely
        .selectFrom('team_memberships')
        .select('user_id')
        .where('team_id', '=', gid)
        .execute()
    )
      .map((m) => m.user_id)
      .sort();

  beforeAll(async () => {
    r = await scimRig(dialect);
    users = [];
    for (let i = 0; i < 40; i++) {
      const u = asUser(
        expectScim(
          await r.scim.send('POST', '/Users', {
            schemas: [USER_URN],
            userName: `p${i}.${dialect}@acme.com`,
          }),
          201,
        ),
      );
      users.push(u.id);
    }
  });
  afterAll(async () => r?.close());

  it('30 parallel member PATCHes (adds and removes, as Entra sends them) leave exactly their union', async () => {
    const initial = users.slice(0, 10);
    const g = await group(initial);
    const adds = users.slice(10, 40);
    const removes = users.slice(0, 5);
    const requests = [
      ...adds.map((id) =>
        r.scim.send('PATCH', `/Groups/${g.id}`, {
          schemas: [PATCH_OP],
          Operations: [{ op: 'Add', path: 'members', value: [{ value: id }] }],
        }),
      ),
      ...removes.map((id) =>
        r.scim.send('PATCH', `/Groups/${g.id}`, {
          schemas: [PATCH_OP],
          Operations: [{ op: 'Remove', path: `members[value eq "${id}"]` }],
        }),
      ),
    ];
    const results = await Promise.all(requests);
    expect(results.map((x) => x.status)).toEqual(requests.map(() => 204));
    const expected = [...users.slice(5, 10), ...adds].sort();
    expect(await members(g.id)).toEqual(expected);
    const read = asGroup(expectScim(await r.scim.send('GET', `/Groups/${g.id}`), 200));
    expect((read.members ?? []).map((m) => m.value).sort()).toEqual(expected);
  });

  it('two parallel PATCHes with the same If-Match: one wins, the other is 412 (serialised per group)', async () => {
    const g = await group();
    const version = g.meta.version;
    const [a, b] = await Promise.all(
      [users[0], users[1]].map((id) =>
        r.scim.send(
          'PATCH',
          `/Groups/${g.id}`,
          {
            schemas: [PATCH_OP],
            Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }],
          },
          { 'if-match': version },
        ),
      ),
    );
    expect([a?.status, b?.status].sort()).toEqual([204, 412]);
    expect(await members(g.id)).toHaveLength(1);
  });

  it('parallel renames and member changes of one group: every member change lands, one name wins', async () => {
    const g = await group();
    const names = Array.from({ length: 5 }, (_, i) => `renamed-${dialect}-${k}-${i}`);
    const results = await Promise.all([
      ...names.map((value) =>
        r.scim.send('PATCH', `/Groups/${g.id}`, {
          schemas: [PATCH_OP],
          Operations: [{ op: 'Replace', path: 'displayName', value }],
        }),
      ),
      ...users.slice(0, 10).map((id) =>
        r.scim.send('PATCH', `/Groups/${g.id}`, {
          schemas: [PATCH_OP],
          Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }],
        }),
      ),
    ]);
    expect(results.every((x) => x.status === 204)).toBe(true);
    expect(await members(g.id)).toEqual(users.slice(0, 10).sort());
    expect(names).toContain((await r.t.services.teams.get(g.id)).name);
  });

  it('parallel POSTs of one userName create one user; the others are 409 uniqueness', async () => {
    const body = { schemas: [USER_URN], userName: `race.${dialect}@acme.com` };
    const results = await Promise.all(
      Array.from({ length: 6 }, () => r.scim.send('POST', '/Users', body)),
    );
    expect(results.map((x) => x.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    const found = expectScim(
      await r.scim.send('GET', `/Users?filter=userName eq "race.${dialect}@acme.com"`),
      200,
    );
    expect(found.totalResults).toBe(1);
  });
});
