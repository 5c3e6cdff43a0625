import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dialects, type TestDb, testDb } from '../../test/support/db.js';
import { samlStateStore } from './saml-state.js';

describe.each(dialects())('SAML login state (%s)', (dialect) => {
  let db: TestDb;
  let now: Date;
  let store: ReturnType<typeof samlStateStore>;
  beforeEach(async () => {
    db = await testDb(dialect);
    now = new Date('2026-03-01T10:00:00.000Z');
    store = samlStateStore(db.kysely, () => now);
  });
  afterEach(async () => {
    await db.dispose();
  });

  const save = (requestId = '_req1', connectionId = 'okta', browserBinding = 'browser-a') =>
    store.saveRequest({ requestId, connectionId, browserBinding, ttlMs: 10 * 60_000 });

  it('a stored AuthnRequest id is used once: the second response for it is refused', async () => {
    await save();
    const r = { requestId: '_req1', connectionId: 'okta', browserBinding: 'browser-a' };
    expect(await store.consumeRequest(r)).toEqual({ ok: true });
    expect(await store.consumeRequest(r)).toEqual({ ok: false, reason: 'unknown' });
  });

  it('two concurrent posts of one response: exactly one gets the request', async () => {
    await save();
    const r = { requestId: '_req1', connectionId: 'okta', browserBinding: 'browser-a' };
    const results = await Promise.all([store.consumeRequest(r), store.consumeRequest(r)]);
    expect(results.filter((x) => x.ok)).toHaveLength(1);
  });

  it('InResponseTo of another connection is refused, and does not use up the request', async () => {
    await save('_req1', 'okta');
    expect(
      await store.consumeRequest({
        requestId: '_req1',
        connectionId: 'entra',
        browserBinding: 'browser-a',
      }),
    ).toEqual({ ok: false, reason: 'other_connection' });
    expect(
      await store.consumeRequest({
        requestId: '_req1',
        connectionId: 'okta',
        browserBinding: 'browser-a',
      }),
    ).toEqual({ ok: true });
  });

  it('InResponseTo started by another browser is refused', async () => {
    await save('_req1', 'okta', 'browser-a');
    expect(
      await store.consumeRequest({
        requestId: '_req1',
        connectionId: 'okta',
        browserBinding: 'browser-b',
      }),
    ).toEqual({ ok: false, reason: 'other_browser' });
  });

  it('an AuthnRequest id past its lifetime is refused as expired', async () => {
    await save();
    now = new Date(now.getTime() + 10 * 60_000);
    expect(
      await store.consumeRequest({
        requestId: '_req1',
        connectionId: 'okta',
        browserBinding: 'browser-a',
      }),
    ).toEqual({ ok: false, reason: 'expired' });
  });

  it('stores only a hash of the browser binding', async () => {
    await save('_req1', 'okta', 'browser-secret-value');
    const row = await db.kysely.selectFrom('saml_requests').selectAll().executeTakeFirstOrThrow();
    expect(row.binding_hash).not.toContain('browser-secret-value');
    expect(row.binding_hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('replay cache: an assertion id is claimed once per connection', async () => {
    const okta = store.replayCache('okta');
    const until = new Date(now.getTime() + 5 * 60_000);
    expect(await okta.claim('_a1', until)).toBe(true);
    expect(await okta.claim('_a1', until)).toBe(false);
    expect(await store.replayCache('entra').claim('_a1', until)).toBe(true);
  });

  it('replay cache: ids are kept until their expiry and pruned after it', async () => {
    const okta = store.replayCache('okta');
    await okta.claim('_a1', new Date(now.getTime() + 60_000));
    now = new Date(now.getTime() + 59_000);
    expect(await okta.claim('_a1', new Date(now.getTime() + 60_000))).toBe(false);
    now = new Date(now.getTime() + 120_000);
    await okta.claim('_other', new Date(now.getTime() + 60_000));
    const left = await db.kysely.selectFrom('saml_assertions').select('assertion_id').execute();
    expect(left.map((r) => r.assertion_id)).toEqual(['_other']);
  });
});
