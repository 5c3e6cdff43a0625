import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, type TestDb, testDb } from '../../../test/support/db.js';
import { applyGroupPatch } from '../patch/group.js';
import { parsePatchRequest } from '../patch/operations.js';
import { URN } from '../schema/types.js';
import { applyMemberChange, membershipStamp, unknownMembers } from './members.js';

const N = 10_000;
const now = '2024-05-01T00:00:00.000Z';
const uid = (i: number) => `user-${String(i).padStart(5, '0')}`;

async function seed(db: TestDb): Promise<void> {
  for (let start = 0; start < N; start += 1000) {
    await db.kysely
      .insertInto('users')
      .values(
        Array.from({ length: 1000 }, (_, k) => ({
          id: uid(start + k),
          user_name: uid(start + k),
          user_name_normalized: uid(start + k),
          role: 'internal_user',
          role_source: 'default',
          source: 'scim:t1',
          active: 1,
          models: '[]',
          spend: 0,
          created_at: now,
          updated_at: now,
        })),
      )
      .execute();
  }
  await db.kysely
    .insertInto('teams')
    .values({
      id: 'big',
      name: 'Everyone',
      source: 'scim:t1',
      spend: 0,
      models: '[]',
      blocked: 0,
      created_at: now,
      updated_at: now,
    })
    .execute();
}

describe.each(dialects())('member deltas in set-based SQL (%s)', (dialect) => {
  let db: TestDb;
  beforeAll(async () => {
    db = await testDb(dialect);
    await seed(db);
  });
  afterAll(async () => db?.dispose());

  const members = async (source?: string) => {
    let q = db.kysely.selectFrom('team_memberships').select('user_id').where('team_id', '=', 'big');
    if (source) q = q.where('source', '=', source);
    return (await q.orderBy('user_id').execute()).map((r) => r.user_id);
  };
  const delta = (ops: unknown[]) =>
    applyGroupPatch(
      { displayName: 'Everyone' },
      parsePatchRequest({ schemas: [URN.patchOp], Operations: ops }),
      'big',
    ).members;
  const apply = (ops: unknown[], source = 'scim:t1') =>
    db.kysely
      .transaction()
      .execute((trx) =>
        applyMemberChange(trx, dialect, { teamId: 'big', source, delta: delta(ops), now }),
      );
  const all = Array.from({ length: N }, (_, i) => uid(i));

  it('adds 10,000 members in one PATCH', async () => {
    const r = await apply([{ op: 'add', path: 'members', value: all.map((value) => ({ value })) }]);
    expect(r).toEqual({ added: N, removed: 0 });
    expect((await members()).length).toBe(N);
    expect(await membershipStamp(db.kysely, 'big')).toEqual({ count: N, lastAddedAt: now });
  });

  it('re-adding members already there adds nothing', async () => {
    const r = await apply([{ op: 'add', path: 'members', value: [{ value: uid(1) }] }]);
    expect(r).toEqual({ added: 0, removed: 0 });
  });

  it('removes by value list and by filter, only the ones named', async () => {
    const r = await apply([
      { op: 'remove', path: 'members', value: all.slice(0, 4000).map((value) => ({ value })) },
      { op: 'remove', path: `members[value eq "${uid(9999)}"]` },
    ]);
    expect(r).toEqual({ added: 0, removed: 4001 });
    const left = await members();
    expect(left.length).toBe(N - 4001);
    expect(left[0]).toBe(uid(4000));
    expect(left).not.toContain(uid(9999));
  });

  it('replace sets exactly the given members, and leaves other sources alone', async () => {
    await db.kysely
      .insertInto('team_memberships')
      .values({ team_id: 'big', user_id: uid(5), source: 'manual', role: 'admin', created_at: now })
      .execute();
    const wanted = [uid(1), uid(2), uid(5000), uid(6000)];
    const r = await apply([
      { op: 'replace', path: 'members', value: wanted.map((value) => ({ value })) },
    ]);
    expect(r.added).toBe(2);
    expect(r.removed).toBe(N - 4001 - 2);
    expect(await members('scim:t1')).toEqual(wanted);
    expect(await members('manual')).toEqual([uid(5)]);
  });

  it('remove of all members clears only this source', async () => {
    await apply([{ op: 'remove', path: 'members' }]);
    expect(await members('scim:t1')).toEqual([]);
    expect(await members()).toEqual([uid(5)]);
  });

  it('unknown ids are reported, and never inserted', async () => {
    expect(await unknownMembers(db.kysely, dialect, [uid(1), 'ghost-b', 'ghost-a'])).toEqual([
      'ghost-a',
      'ghost-b',
    ]);
    const r = await apply([{ op: 'add', path: 'members', value: [{ value: 'ghost-a' }] }]);
    expect(r.added).toBe(0);
  });

  it('attack: an id that looks like SQL or JSON is only ever a value', async () => {
    const evil = [`x"]'); delete from users; --`, "') or 1=1 --", '{"$ne":null}'];
    expect((await unknownMembers(db.kysely, dialect, evil)).sort()).toEqual([...evil].sort());
    await apply([{ op: 'remove', path: 'members', value: evil.map((value) => ({ value })) }]);
    expect(
      Number(
        (
          await db.kysely
            .selectFrom('users')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      ),
    ).toBe(N);
  });
});
