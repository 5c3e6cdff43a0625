import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/db.js';
import {
  asUser,
  expectScim,
  expectScimError,
  PATCH_OP,
  type ScimRig,
  scimRig,
  USER_URN,
} from '../support/scim.js';

/**
 * Offboarding that bites: a person's key works on /v1/models, the IdP deactivates them over
 * SCIM, and the very next call with that key is refused — on the hot path, which reads only the
 * in-memory key cache. Reactivation restores exactly what deactivation blocked.
 */
describe.each(dialects())('SCIM offboarding (%s)', (dialect) => {
  let r: ScimRig;
  beforeAll(async () => {
    r = await scimRig(dialect);
  });
  afterAll(async () => r?.close());

  const models = (key: string) =>
    fetch(`${r.origin}/v1/models`, { headers: { authorization: `Bearer ${key}` } });

  async function person(userName: string) {
    const u = asUser(
      expectScim(
        await r.scim.send('POST', '/Users', {
          schemas: [USER_URN],
          userName,
          emails: [{ value: userName, primary: true }],
          active: true,
        }),
        201,
      ),
    );
    const key = await r.t.write((s) =>
      r.t.services.keys.create(s, { user_id: u.id, purpose: 'inference' }),
    );
    const session = await r.t.services.sessions.create(u.id, 'sso', {});
    return { id: u.id, key, session };
  }
  const setActive = (id: string, value: unknown) =>
    r.scim.send('PATCH', `/Users/${id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', path: 'active', value }],
    });

  it('PATCH active:false refuses the key on the very next call; active:true restores it', async () => {
    const p = await person(`leaver.${dialect}@acme.com`);
    expect((await models(p.key.key)).status).toBe(200);

    expect(asUser(expectScim(await setActive(p.id, false), 200)).active).toBe(false);
    const refused = await models(p.key.key);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe(
      'user_inactive',
    );
    const session = await r.t.services.sessions.resolve(p.session.secret);
    expect(session.ok).toBe(false);

    expect(asUser(expectScim(await setActive(p.id, 'True'), 200)).active).toBe(true);
    expect((await models(p.key.key)).status).toBe(200);
    // Sessions do not come back: the person signs in again.
    expect((await r.t.services.sessions.resolve(p.session.secret)).ok).toBe(false);
  });

  it('a key an admin blocked before the deactivation stays blocked after reactivation', async () => {
    const p = await person(`blocked.${dialect}@acme.com`);
    const other = await r.t.write((s) =>
      r.t.services.keys.create(s, { user_id: p.id, purpose: 'inference' }),
    );
    await r.t.write((s) => r.t.services.keys.update(s, other.id, { blocked: true }));
    await setActive(p.id, false);
    await setActive(p.id, true);
    expect((await models(p.key.key)).status).toBe(200);
    expect((await models(other.key)).status).toBe(401);
  });

  it('the deactivation is one audited change by the SCIM token, with the keys it blocked', async () => {
    const p = await person(`audited.${dialect}@acme.com`);
    await setActive(p.id, false);
    const audit = await r.t.call({
      method: 'GET',
      url: `/api/v1/audit?target_id=${p.id}&action=user.deactivated`,
    });
    const events = (JSON.parse(audit.body) as { data: Record<string, unknown>[] }).data;
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      actor: { type: 'scim', id: `scim:${r.tokenId}` },
      after: { active: false, keys_affected: 1, sessions_revoked: 1 },
    });
  });

  it('DELETE deactivates and deletes: the key is refused, the account is gone, its names are free', async () => {
    const userName = `deleted.${dialect}@acme.com`;
    const p = await person(userName);
    expect((await models(p.key.key)).status).toBe(200);
    expect((await r.scim.send('DELETE', `/Users/${p.id}`)).status).toBe(204);
    expect((await models(p.key.key)).status).toBe(401);
    expectScimError(await r.scim.send('GET', `/Users/${p.id}`), 404);
    const actions = (
      JSON.parse(
        (await r.t.call({ method: 'GET', url: `/api/v1/audit?target_id=${p.id}` })).body,
      ) as { data: { action: string }[] }
    ).data.map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['user.deactivated', 'user.deleted', 'scim.user_deleted']),
    );
    // The user name and email are free again: the IdP can provision the person anew.
    const again = await person(userName);
    expect(again.id).not.toBe(p.id);
  });
});
