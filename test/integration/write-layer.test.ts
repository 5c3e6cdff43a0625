import { sql } from 'kysely';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NestedDatabaseAccess } from '../../src/db/tx-guard.js';
import { type FeedChange, localChangeBus, readFeed } from '../../src/identity/changes.js';
import { NestedWrite, write } from '../../src/identity/write.js';
import { type TestApp, testApp } from '../support/app.js';
import { dialects } from '../support/db.js';
import { expectStatus } from '../support/json.js';
import { createUser, userWithKey } from '../support/seed.js';

/** A bus whose listeners the test can make fail, as a broken cache or transport would. */
function flakyBus() {
  const bus = localChangeBus();
  let failing = false;
  bus.subscribe(() => {
    if (failing) throw new Error('listener down');
  });
  return {
    bus,
    fail(on: boolean) {
      failing = on;
    },
  };
}

describe.each(dialects())('the write layer (%s)', (dialect) => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('a query on the root pool inside write() fails at once instead of waiting forever', async () => {
    t = await testApp(dialect);
    const app = t;
    const err = await app
      .write(async () => {
        // The mistake the guard exists for: reading through ctx.db while the transaction is open.
        await app.services.users.get('someone');
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NestedDatabaseAccess);
    // The transaction rolled back and the connection is free: the app still answers.
    expectStatus(await app.call({ method: 'GET', url: '/api/v1/users' }), 200);
  });

  it('write() inside write() is refused: the open scope must be passed down', async () => {
    t = await testApp(dialect);
    const app = t;
    const err = await app
      .write(async () => write(app.services.ctx, { type: 'system', id: 'inner' }, async () => 1))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NestedWrite);
  });

  it('a failing change listener does not fail the committed write; the cache catches up', async () => {
    const flaky = flakyBus();
    t = await testApp(dialect, {}, { changes: flaky.bus });
    const { user, key } = await userWithKey(t, 'internal_user');
    expectStatus(await t.call({ method: 'GET', url: '/v1/models', auth: key }), 200);
    flaky.fail(true);
    // Deactivation commits; its notification fails. The API still answers 200 (the write is
    // durable) and the key must stop working anyway once the cache reads the feed.
    expectStatus(
      await t.call({
        method: 'PATCH',
        url: `/api/v1/users/${user.id}`,
        payload: { active: false },
      }),
      200,
    );
    const stored = await t.db.kysely
      .selectFrom('users')
      .select('active')
      .where('id', '=', user.id)
      .executeTakeFirstOrThrow();
    expect(stored.active).toBe(0);
    await t.services.keyCache.catchUp();
    expect((await t.call({ method: 'GET', url: '/v1/models', auth: key })).statusCode).toBe(401);
  });

  it('a notification that arrives after a gap makes the cache read the feed it missed', async () => {
    const app = await testApp(dialect);
    t = app;
    const { user, key } = await userWithKey(t, 'internal_user');
    const before = t.services.keyCache.appliedSeq;
    // A write whose notification never reaches this cache (another instance made it).
    const silent = {
      ...t.services.ctx,
      changes: { publish: async () => {}, subscribe: () => () => {} },
    };
    await write(silent, { type: 'system', id: 'elsewhere' }, (s) =>
      app.services.users.setActive(s, user.id, false),
    );
    expect((await t.call({ method: 'GET', url: '/v1/models', auth: key })).statusCode).toBe(200);
    // The next local write's notification shows the gap; the cache applies both.
    await createUser(t);
    expect(t.services.keyCache.appliedSeq).toBeGreaterThan(before + 1);
    expect((await t.call({ method: 'GET', url: '/v1/models', auth: key })).statusCode).toBe(401);
  });

  it('the feed numbers changes in commit order and records each changed entity once per write', async () => {
    t = await testApp(dialect);
    const app = t;
    const from = app.services.keyCache.appliedSeq;
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        app.write((s) => app.services.teams.create(s, { name: `parallel-${i}` })),
      ),
    );
    const team = await app.write((s) => app.services.teams.create(s, { name: 'twice' }));
    await app.write(async (s) => {
      await app.services.teams.update(s, team.id, { name: 'renamed' });
      await app.services.teams.update(s, team.id, { max_budget: 5 });
    });
    const feed: FeedChange[] = await readFeed(app.db.kysely, from, 100);
    const seqs = feed.map((c) => c.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(feed.filter((c) => c.kind === 'team' && c.id === team.id)).toHaveLength(2);
  });

  it('a second instance on the same database stops a deactivated key by polling the feed', async () => {
    t = await testApp(dialect);
    const { buildApp } = await import('../../src/app.js');
    // Same database, its own bus: it hears nothing from the first instance.
    const other = await buildApp({ config: t.config, db: t.db, logger: false, feedPollMs: 20 });
    try {
      const { user, key } = await userWithKey(t, 'internal_user');
      const models = () =>
        other.app.inject({ url: '/v1/models', headers: { authorization: `Bearer ${key}` } });
      await vi.waitFor(async () => expect((await models()).statusCode).toBe(200));
      expectStatus(
        await t.call({
          method: 'PATCH',
          url: `/api/v1/users/${user.id}`,
          payload: { active: false },
        }),
        200,
      );
      await vi.waitFor(async () => expect((await models()).statusCode).toBe(401), {
        timeout: 5_000,
      });
    } finally {
      await other.app.close();
    }
  });

  it('upgrading keeps existing keys working; keys made by someone else become inference', async () => {
    const { testDb } = await import('../support/db.js');
    const { migrateTo, migrateToLatest } = await import('../../src/db/migrate.js');
    const db = await testDb(dialect, { migrate: false });
    try {
      await migrateTo(db, '003_identity_facts');
      const now = new Date().toISOString();
      for (const id of ['admin', 'alice']) {
        await db.kysely
          .insertInto('users')
          .values({
            id,
            email: `${id}@x.com`,
            email_normalized: `${id}@x.com`,
            role: id === 'admin' ? 'proxy_admin' : 'internal_user',
            role_source: 'manual',
            source: 'manual',
            active: 1,
            models: '[]',
            spend: 0,
            created_at: now,
            updated_at: now,
          } as never)
          .execute();
      }
      const key = (id: string, user: string | null, by: string | null) =>
        sql`insert into api_keys (id, key_hash, key_preview, user_id, models, spend, blocked, created_by, created_at, updated_at)
            values (${id}, ${`h-${id}`}, 'sk-gh-…', ${user}, '[]', 0, 0, ${by}, ${now}, ${now})`.execute(
          db.kysely,
        );
      await key('own', 'alice', 'alice');
      await key('by-admin', 'alice', 'admin');
      await key('by-master', 'alice', 'master');
      await key('bootstrap', 'admin', 'bootstrap');
      await key('nobody', null, 'master');
      await migrateToLatest(db);
      const rows = await db.kysely.selectFrom('api_keys').select(['id', 'purpose']).execute();
      expect(Object.fromEntries(rows.map((r) => [r.id, r.purpose]))).toEqual({
        own: 'management',
        'by-admin': 'inference',
        'by-master': 'inference',
        bootstrap: 'management',
        nobody: 'inference',
      });
    } finally {
      await db.dispose();
    }
  });
});
