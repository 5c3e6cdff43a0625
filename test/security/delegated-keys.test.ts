import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from '../support/app.js';
import { dialects } from '../support/db.js';
import { expectError, expectStatus } from '../support/json.js';
import { createKey, createTeam, createUser, userWithKey } from '../support/seed.js';

interface Key {
  id: string;
  key: string;
  purpose: string;
  created_by: string | null;
}

/**
 * A key made for someone else used to act with that person's reach on the management API. These
 * are the attacks from the review that found it, each refused now.
 */
describe.each(dialects())('keys made for someone else (%s)', (dialect) => {
  let t: TestApp;
  let orgB: string;
  let t1: string; // team admin: lead; member: victim
  let t2: string; // in org B; victim is its admin, lead is nothing there
  let lead: { id: string; key: string };
  let victim: { user: { id: string }; key: string; keyId: string };

  const addMember = (team: string, userId: string, role: string) =>
    t.call({
      method: 'POST',
      url: `/api/v1/teams/${team}/members`,
      payload: { user_id: userId, role },
    });

  beforeAll(async () => {
    t = await testApp(dialect);
    orgB = expectStatus<{ id: string }>(
      await t.call({ method: 'POST', url: '/api/v1/organizations', payload: { name: 'B' } }),
      201,
    ).id;
    t1 = (await createTeam(t, { name: 'T1' })).id;
    t2 = (await createTeam(t, { name: 'T2', organization_id: orgB })).id;
    const l = await userWithKey(t, 'internal_user');
    lead = { id: l.user.id, key: l.key };
    victim = await userWithKey(t, 'internal_user');
    expectStatus(await addMember(t1, lead.id, 'admin'), 201);
    expectStatus(await addMember(t1, victim.user.id, 'member'), 201);
    expectStatus(await addMember(t2, victim.user.id, 'admin'), 201);
  });
  afterAll(async () => t.close());

  async function mintForVictim(extra: Record<string, unknown> = {}) {
    return t.call({
      method: 'POST',
      url: '/api/v1/keys',
      auth: lead.key,
      payload: { user_id: victim.user.id, team_id: t1, ...extra },
    });
  }

  it("a team admin's key for a member calls models only and cannot act as the member", async () => {
    const minted = expectStatus<Key>(await mintForVictim(), 201);
    expect(minted.purpose).toBe('inference');
    expect(minted.created_by).toBe(lead.id);
    // It works where it should: the gateway and "who am I".
    expectStatus(await t.call({ method: 'GET', url: '/v1/models', auth: minted.key }), 200);
    const me = expectStatus<{ key_purpose: string; user: { id: string } }>(
      await t.call({ method: 'GET', url: '/api/v1/me', auth: minted.key }),
      200,
    );
    expect(me).toMatchObject({ key_purpose: 'inference', user: { id: victim.user.id } });
    // The review's two escalations: joining the victim's team in another organization as its
    // admin, and deleting the victim's personal key.
    expectError(
      await t.call({
        method: 'POST',
        url: `/api/v1/teams/${t2}/members`,
        auth: minted.key,
        payload: { user_id: lead.id, role: 'admin' },
      }),
      403,
      'forbidden',
    );
    expectError(
      await t.call({ method: 'DELETE', url: `/api/v1/keys/${victim.keyId}`, auth: minted.key }),
      403,
      'forbidden',
    );
    // Not even reads: a read would show the victim's view of the directory.
    expectError(
      await t.call({ method: 'GET', url: '/api/v1/keys', auth: minted.key }),
      403,
      'forbidden',
    );
    const members = expectStatus<{ data: { user_id: string }[] }>(
      await t.call({ method: 'GET', url: `/api/v1/teams/${t2}/members` }),
      200,
    );
    expect(members.data.map((m) => m.user_id)).not.toContain(lead.id);
    expectStatus(await t.call({ method: 'GET', url: `/api/v1/keys/${victim.keyId}` }), 200);
  });

  it("the maker's copy gains nothing when the owner is promoted later", async () => {
    const minted = expectStatus<Key>(await mintForVictim(), 201);
    expectStatus(
      await t.call({
        method: 'PATCH',
        url: `/api/v1/users/${victim.user.id}`,
        payload: { role: 'proxy_admin' },
      }),
      200,
    );
    try {
      expectError(
        await t.call({ method: 'GET', url: '/api/v1/audit', auth: minted.key }),
        403,
        'forbidden',
      );
      // The owner's own management key does carry the new role: that is the owner acting.
      expectStatus(await t.call({ method: 'GET', url: '/api/v1/audit', auth: victim.key }), 200);
    } finally {
      await t.call({
        method: 'PATCH',
        url: `/api/v1/users/${victim.user.id}`,
        payload: { role: 'internal_user' },
      });
    }
  });

  it('only the owner or a proxy admin may make a key with more than inference', async () => {
    for (const purpose of ['management', 'read_only']) {
      expectError(await mintForVictim({ purpose }), 403, 'forbidden');
    }
    expectError(await mintForVictim({ key_type: 'management' }), 403, 'forbidden');
    // LiteLLM's spelling of inference is accepted.
    expect(expectStatus<Key>(await mintForVictim({ key_type: 'llm_api' }), 201).purpose).toBe(
      'inference',
    );
    const own = expectStatus<Key>(
      await t.call({ method: 'POST', url: '/api/v1/keys', auth: lead.key, payload: {} }),
      201,
    );
    expect(own.purpose).toBe('management');
    const byAdmin = await createKey(t, { user_id: victim.user.id, purpose: 'read_only' });
    expect((byAdmin as unknown as Key).purpose).toBe('read_only');
    expect((await createKey(t, { user_id: victim.user.id })) as unknown as Key).toMatchObject({
      purpose: 'inference',
    });
  });

  it('a read-only key reads with its owner’s role and changes nothing', async () => {
    const ro = (await createKey(t, {
      user_id: victim.user.id,
      purpose: 'read_only',
    })) as unknown as Key;
    expectStatus(await t.call({ method: 'GET', url: '/api/v1/keys', auth: ro.key }), 200);
    expectStatus(
      await t.call({ method: 'GET', url: `/api/v1/teams/${t2}/members`, auth: ro.key }),
      200,
    );
    expectError(
      await t.call({
        method: 'POST',
        url: `/api/v1/teams/${t2}/members`,
        auth: ro.key,
        payload: { user_id: lead.id },
      }),
      403,
      'forbidden',
    );
    expectError(
      await t.call({ method: 'POST', url: '/api/v1/keys', auth: ro.key, payload: {} }),
      403,
      'forbidden',
    );
  });

  it('purpose spellings that mean nothing are refused, and purpose and key_type must agree', async () => {
    expectError(await mintForVictim({ purpose: 'admin' }), 422, 'validation_failed');
    expectError(
      await t.call({
        method: 'POST',
        url: '/api/v1/keys',
        payload: { purpose: 'inference', key_type: 'management' },
      }),
      422,
      'validation_failed',
    );
  });

  it('the audit log says who made a key and which key did an action', async () => {
    const stranger = await createUser(t, { role: 'internal_user' });
    const minted = expectStatus<Key>(
      await t.call({
        method: 'POST',
        url: '/api/v1/keys',
        auth: lead.key,
        payload: { name: 'for-audit' },
      }),
      201,
    );
    // An action done with the lead's own key carries that key's id.
    expectStatus(
      await t.call({
        method: 'POST',
        url: `/api/v1/teams/${t1}/members`,
        auth: lead.key,
        payload: { user_id: stranger.id },
      }),
      201,
    );
    const audit = expectStatus<{
      data: {
        action: string;
        actor: { id: string | null; key_id: string | null };
        target: { id: string };
        after: Record<string, unknown>;
      }[];
    }>(await t.call({ method: 'GET', url: `/api/v1/audit?actor_id=${lead.id}&limit=20` }), 200);
    const created = audit.data.find((e) => e.action === 'key.created' && e.target.id === minted.id);
    expect(created?.after.created_by).toBe(lead.id);
    const added = audit.data.find((e) => e.action === 'team.member_added');
    expect(added?.actor).toMatchObject({ id: lead.id });
    const leadKeyId = expectStatus<{ key_id: string }>(
      await t.call({ method: 'GET', url: '/api/v1/me', auth: lead.key }),
      200,
    ).key_id;
    expect(added?.actor.key_id).toBe(leadKeyId);
    expect(created?.actor.key_id).toBe(leadKeyId);
  });
});
