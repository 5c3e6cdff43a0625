import { afterEach, describe, expect, it } from 'vitest';
import { dialects, type TestDb, testDb } from '../../../test/support/db.js';
import { activityStore, type ScimRequestRecord } from './store.js';

const entry = (i: number, over: Partial<ScimRequestRecord> = {}): ScimRequestRecord => ({
  at: new Date(Date.UTC(2024, 0, 1, 0, 0, i)).toISOString(),
  tokenId: 't1',
  method: 'GET',
  path: `/scim/v2/Users/${i}`,
  status: 200,
  error: null,
  durationMs: 1.4,
  requestId: `r${i}`,
  ignored: [],
  ...over,
});

function logger() {
  const lines: { level: string; msg: string }[] = [];
  const at = (level: string) => (_o: object, msg: string) => lines.push({ level, msg });
  return { lines, log: { info: at('info'), warn: at('warn'), error: at('error') } };
}

describe.each(dialects())('SCIM activity store (%s)', (dialect) => {
  let db: TestDb | undefined;
  afterEach(async () => db?.dispose());

  it('queues entries and writes them before a read, newest first, clipped', async () => {
    db = await testDb(dialect);
    const store = activityStore(db.kysely, logger().log);
    for (let i = 0; i < 3; i++) store.record(entry(i));
    store.record(
      entry(3, {
        status: 400,
        path: `/scim/v2/Users?filter=${'x'.repeat(2000)}`,
        error: { code: 'invalid_filter', detail: 'd'.repeat(5000) },
        ignored: Array.from({ length: 80 }, (_, k) => `a${k}`),
      }),
    );
    const rows = await store.list({ limit: 10 });
    expect(rows.map((r) => r.request_id)).toEqual(['r3', 'r2', 'r1', 'r0']);
    expect(rows[0]?.path.length).toBe(1000);
    expect(rows[0]?.error?.detail.length).toBe(1000);
    expect(rows[0]?.ignored).toHaveLength(50);
    expect(rows[1]?.duration_ms).toBe(1);
    await store.close();
  });

  it('a batch that fills writes at once; a database failure is logged, never thrown', async () => {
    db = await testDb(dialect);
    const { lines, log } = logger();
    const store = activityStore(db.kysely, log);
    for (let i = 0; i < 450; i++) store.record(entry(i));
    await store.flush();
    expect((await store.list({ limit: 500 })).length).toBe(450);
    await db.kysely.schema.dropTable('scim_requests').execute();
    store.record(entry(999));
    await expect(store.flush()).resolves.toBeUndefined();
    expect(lines).toContainEqual({ level: 'error', msg: 'SCIM activity could not be written' });
    await store.close();
  });

  it('prunes by age and keeps at most the newest N', async () => {
    db = await testDb(dialect);
    const store = activityStore(db.kysely, logger().log);
    for (let i = 0; i < 30; i++) store.record(entry(i));
    await store.flush();
    expect(await store.prune(entry(10).at, 15)).toBe(15);
    const left = await store.list({ limit: 100 });
    expect(left.map((r) => r.request_id)).toEqual(
      Array.from({ length: 15 }, (_, k) => `r${29 - k}`),
    );
    await store.close();
  });
});
