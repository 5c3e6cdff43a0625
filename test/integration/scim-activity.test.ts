import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityEntry } from '../../src/scim/activity/store.js';
import { dialects } from '../support/db.js';
import { expectError, expectStatus } from '../support/json.js';
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

interface AuditRow {
  action: string;
  actor: { type: string; id: string };
  target: { type: string; id: string };
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

/**
 * "Why did provisioning fail?": every SCIM request is in the activity log (token, method,
 * path, status, error, duration), newest first, filterable; every SCIM write is audited with
 * the token as actor and the before/after of what it changed.
 */
describe.each(dialects())('SCIM activity and audit (%s)', (dialect) => {
  let r: ScimRig;
  let now = Date.parse('2024-06-01T00:00:00Z');
  const activity = async (query = '') =>
    expectStatus<{ data: ActivityEntry[]; next_cursor: string | null }>(
      await r.t.call({ method: 'GET', url: `/api/v1/scim/activity${query}` }),
      200,
    );
  const audit = async (query: string) =>
    expectStatus<{ data: AuditRow[] }>(
      await r.t.call({ method: 'GET', url: `/api/v1/audit?${query}` }),
      200,
    ).data;

  beforeAll(async () => {
    r = await scimRig(
      dialect,
      { scim: { activity: { retention: '1d', max_entries: 100 } } },
      { now: () => new Date(now) },
    );
  });
  afterAll(async () => r?.close());

  it('records each request with token, method, path, status, error and duration, newest first', async () => {
    const ok = await r.scim.send('GET', '/Users?filter=userName eq "nobody@acme.com"');
    expect(ok.status).toBe(200);
    const bad = await r.scim.send('POST', '/Users', { schemas: [USER_URN] });
    expect(bad.status).toBe(400);
    const { data } = await activity('?limit=2');
    expect(data[0]).toMatchObject({
      token_id: r.tokenId,
      method: 'POST',
      path: '/scim/v2/Users',
      status: 400,
      error: { code: 'invalid_value', detail: "'userName' is required." },
    });
    expect(data[1]).toMatchObject({
      method: 'GET',
      path: '/scim/v2/Users?filter=userName%20eq%20%22nobody@acme.com%22',
      status: 200,
      error: null,
    });
    expect(typeof data[0]?.duration_ms).toBe('number');
    expect(data[0]?.request_id).toBeTruthy();
  });

  it('filters by token and by failures, and pages with next_cursor', async () => {
    const other = await r.newToken('Other');
    await other.client.send('GET', '/Groups');
    await other.client.send('GET', '/Users/nobody');
    const mine = await activity(`?token_id=${other.id}`);
    expect(mine.data.map((e) => e.status)).toEqual([404, 200]);
    const failures = await activity(`?token_id=${other.id}&failures=true`);
    expect(failures.data).toHaveLength(1);
    expect(failures.data[0]?.error?.code).toBe('not_found');
    const page1 = await activity(`?token_id=${other.id}&limit=1`);
    expect(page1.next_cursor).not.toBeNull();
    const page2 = await activity(`?token_id=${other.id}&limit=1&cursor=${page1.next_cursor}`);
    expect(page2.data[0]?.status).toBe(200);
    expect(page2.next_cursor).toBeNull();
    expectError(
      await r.t.call({ method: 'GET', url: '/api/v1/scim/activity?cursor=abc' }),
      422,
      'validation_failed',
    );
  });

  it('a wrong token is recorded too, without a token id, so "it says 401" has an answer', async () => {
    await r.scim.send('GET', '/Users', undefined, { authorization: 'Bearer scim-gh-pasted-wrong' });
    const { data } = await activity('?failures=true&limit=1');
    expect(data[0]).toMatchObject({
      token_id: null,
      status: 401,
      error: { code: 'invalid_credentials' },
    });
  });

  it('user writes are audited by the token, with before/after of the changed attributes only', async () => {
    const u = asUser(
      expectScim(
        await r.scim.send('POST', '/Users', {
          schemas: [USER_URN],
          userName: `audit.${dialect}@acme.com`,
          title: 'Engineer',
          password: 'hunter2',
        }),
        201,
      ),
    );
    await r.scim.send('PATCH', `/Users/${u.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', path: 'title', value: 'Manager' }],
    });
    const events = await audit(`target_id=${u.id}`);
    const created = events.find((e) => e.action === 'scim.user_created');
    const patched = events.find((e) => e.action === 'scim.user_patched');
    expect(created?.actor).toEqual({ type: 'scim', id: `scim:${r.tokenId}`, key_id: null });
    expect(created?.after).toMatchObject({
      userName: `audit.${dialect}@acme.com`,
      title: 'Engineer',
    });
    expect(JSON.stringify(events)).not.toContain('hunter2');
    expect(patched?.before).toEqual({ title: 'Engineer' });
    expect(patched?.after).toMatchObject({ title: 'Manager', changed: ['title'] });
  });

  it('group membership writes are one audit event per PATCH, with counts and the ids', async () => {
    const a = asUser(
      expectScim(
        await r.scim.send('POST', '/Users', {
          schemas: [USER_URN],
          userName: `ga.${dialect}@acme.com`,
        }),
        201,
      ),
    );
    const g = asGroup(
      expectScim(
        await r.scim.send('POST', '/Groups', {
          schemas: [GROUP_URN],
          displayName: `audited-${dialect}`,
        }),
        201,
      ),
    );
    await r.scim.send('PATCH', `/Groups/${g.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'add', path: 'members', value: [{ value: a.id }] }],
    });
    const events = (await audit(`target_id=${g.id}&action=scim.group_patched`)).map((e) => e.after);
    expect(events).toEqual([
      expect.objectContaining({
        members: {
          add: { count: 1, ids: [a.id] },
          remove: { count: 0, ids: [] },
          added: 1,
          removed: 0,
        },
      }),
    ]);
  });

  it('retention is bounded by age and by count', async () => {
    const before = (await activity('?limit=500')).data.length;
    expect(before).toBeGreaterThan(0);
    for (let i = 0; i < 120; i++) await r.scim.send('GET', '/ServiceProviderConfig');
    expect(await r.t.services.scim.prune()).toBeGreaterThan(0);
    expect((await activity('?limit=500')).data.length).toBe(100);
    now += 2 * 86_400_000;
    await r.scim.send('GET', '/ServiceProviderConfig');
    await r.t.services.scim.prune();
    const left = (await activity('?limit=500')).data;
    expect(left).toHaveLength(1);
    expect(left[0]?.at).toBe(new Date(now).toISOString());
  });
});
