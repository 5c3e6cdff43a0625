import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dialects, type TestDb, testDb } from '../../test/support/db.js';
import { connectionSchema } from '../config/connection-schema.js';
import { fromObject } from '../config/load.js';
import type { ConnectionConfig } from '../config/schema.js';
import { type SecretBox, secretBox } from '../config/secret-box.js';
import { localChangeBus } from '../identity/changes.js';
import { type ServiceContext, write } from '../identity/write.js';
import { ConnectionSecretsError, connectionRegistry } from './connections.js';

const SECRET = 'registry-test-secret-0123456789';
const silent = { info() {}, warn() {}, error() {} };

const conn = (id: string, extra: Record<string, unknown> = {}): ConnectionConfig =>
  connectionSchema.parse({
    id,
    type: 'oidc',
    issuer: `https://${id}.okta.com`,
    client_id: `client-${id}`,
    client_secret: `secret-of-${id}`,
    ...extra,
  });

describe.each(dialects())('connection registry (%s)', (dialect) => {
  let db: TestDb;
  let ctx: ServiceContext;
  beforeEach(async () => {
    db = await testDb(dialect);
    const { config } = fromObject({}, '(test)', undefined, { env: {} });
    ctx = { db, config, changes: localChangeBus(), now: () => new Date(), log: silent };
  });
  afterEach(async () => db.dispose());

  const registry = (
    box: SecretBox | null = secretBox(SECRET),
    configured: ConnectionConfig[] = [],
  ) =>
    connectionRegistry({
      db: db.kysely,
      configured,
      fromEnvironment: new Set(['microsoft']),
      box,
      log: silent,
    });
  const as = { type: 'master' as const, id: null };

  it('merges file, environment and database connections, in that order, each with its source', async () => {
    const r = registry(secretBox(SECRET), [conn('okta'), conn('microsoft')]);
    await write(ctx, as, (s) => r.create(s, conn('second')));
    const list = await r.list();
    expect(list.map((c) => [c.config.id, c.source, c.readOnly])).toEqual([
      ['okta', 'config', true],
      ['microsoft', 'environment', true],
      ['second', 'database', false],
    ]);
    expect((await r.get('second'))?.config).toEqual(conn('second'));
    expect(await r.get('nobody')).toBeNull();
  });

  it('stores secrets sealed: the row holds no secret in clear, and reads give it back', async () => {
    const r = registry();
    await write(ctx, as, (s) =>
      r.create(
        s,
        conn('vault', {
          microsoft_graph: { tenant_id: 'contoso.com', client_id: 'g', client_secret: 'graph-pw' },
        }),
      ),
    );
    const row = await db.kysely.selectFrom('sso_connections').selectAll().executeTakeFirstOrThrow();
    expect(`${row.settings}${row.secrets}`).not.toContain('secret-of-vault');
    expect(`${row.settings}${row.secrets}`).not.toContain('graph-pw');
    expect(Object.keys(JSON.parse(row.secrets))).toEqual([
      'client_secret',
      'microsoft_graph.client_secret',
    ]);
    const back = (await r.get('vault'))?.config;
    expect(back?.type === 'oidc' && back.client_secret).toBe('secret-of-vault');
    expect(back?.microsoft_graph?.client_secret).toBe('graph-pw');
    // The audit trail shows that a secret is set, never its value.
    const audit = await db.kysely.selectFrom('audit_events').selectAll().execute();
    expect(audit.map((a) => a.action)).toEqual(['sso.connection_created']);
    expect(audit[0]?.after).toContain('"client_secret":"set"');
    expect(JSON.stringify(audit)).not.toContain('secret-of-vault');
  });

  it('file and environment connections are read-only; ids are unique across sources', async () => {
    const r = registry(secretBox(SECRET), [conn('okta'), conn('microsoft')]);
    const attempt = (fn: Parameters<typeof write>[2]) => write(ctx, as, fn).catch((e) => e);
    expect(await attempt((s) => r.update(s, 'okta', conn('okta')))).toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('config file'),
    });
    expect(await attempt((s) => r.remove(s, 'microsoft'))).toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('environment'),
    });
    expect(await attempt((s) => r.create(s, conn('okta')))).toMatchObject({ code: 'conflict' });
    await write(ctx, as, (s) => r.create(s, conn('dup')));
    expect(await attempt((s) => r.create(s, conn('dup')))).toMatchObject({ code: 'conflict' });
    expect(await attempt((s) => r.remove(s, 'ghost'))).toMatchObject({ code: 'not_found' });
  });

  it('update replaces the settings; remove deletes; both audited', async () => {
    const r = registry();
    await write(ctx, as, (s) => r.create(s, conn('x')));
    await write(ctx, as, (s) =>
      r.update(s, 'x', conn('x', { display_name: 'X Corp', client_secret: 'rotated' })),
    );
    const got = (await r.get('x'))?.config;
    expect(got?.display_name).toBe('X Corp');
    expect(got?.type === 'oidc' && got.client_secret).toBe('rotated');
    await write(ctx, as, (s) => r.remove(s, 'x'));
    expect(await r.get('x')).toBeNull();
    const actions = await db.kysely.selectFrom('audit_events').select('action').execute();
    expect(actions.map((a) => a.action)).toEqual([
      'sso.connection_created',
      'sso.connection_updated',
      'sso.connection_deleted',
    ]);
  });

  it('without a secret box, a connection with secrets is refused, one without is stored', async () => {
    const r = registry(null);
    expect(r.canStoreSecrets).toBe(false);
    const err = await write(ctx, as, (s) => r.create(s, conn('x'))).catch((e) => e);
    expect(err).toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('GATEHOUSE_SECRET'),
    });
    await write(ctx, as, (s) => r.create(s, conn('y', { client_secret: undefined })));
    expect((await r.get('y'))?.config.id).toBe('y');
    await r.checkSecrets();
  });

  it('start-up check: stored secrets with no secret, or under another secret, are refused', async () => {
    await write(ctx, as, (s) => registry().create(s, conn('x')));
    await registry().checkSecrets();
    await expect(registry(null).checkSecrets()).rejects.toThrow(ConnectionSecretsError);
    await expect(registry(null).checkSecrets()).rejects.toThrow(/GATEHOUSE_SECRET is not set/);
    await expect(
      registry(secretBox('a-different-secret-0123456789')).checkSecrets(),
    ).rejects.toThrow(/another GATEHOUSE_SECRET/);
    // Reading with the wrong key makes that connection unavailable, not the whole list.
    expect(await registry(secretBox('a-different-secret-0123456789')).list()).toEqual([]);
  });

  it('a stored value moved to another row does not decrypt (bound to its connection)', async () => {
    const r = registry();
    await write(ctx, as, (s) => r.create(s, conn('a')));
    await write(ctx, as, (s) => r.create(s, conn('b')));
    const a = await db.kysely
      .selectFrom('sso_connections')
      .select('secrets')
      .where('id', '=', 'a')
      .executeTakeFirstOrThrow();
    await db.kysely
      .updateTable('sso_connections')
      .set({ secrets: a.secrets })
      .where('id', '=', 'b')
      .execute();
    expect(await r.get('b')).toBeNull();
    expect((await r.get('a'))?.config.id).toBe('a');
  });
});
