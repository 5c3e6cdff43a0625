import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from '../support/app.js';
import { dialects } from '../support/db.js';
import { expectError, expectStatus } from '../support/json.js';
import { createKey, createTeam, createUser } from '../support/seed.js';

const chat = { model: 'fake-gpt', messages: [{ role: 'user', content: 'hi' }] };

/**
 * A team key is the team's models and budget in the hands of one member. Removing the member
 * from the team (by hand, or because the IdP dropped them from the group) used to leave the
 * key working: the person kept calling the team's models on the team's budget.
 */
describe.each(dialects())('a team key after its owner leaves the team (%s)', (dialect) => {
  let t: TestApp;
  let team: string;
  let user = '';

  beforeAll(async () => {
    t = await testApp(dialect, {
      model_list: [{ model_name: 'fake-gpt', litellm_params: { model: 'fake/echo' } }],
    });
    team = (await createTeam(t, { models: ['fake-gpt'] })).id;
  });
  afterAll(async () => t.close());
  // Each case starts with a new member of the team.
  beforeEach(async () => {
    user = (await createUser(t, { role: 'internal_user' })).id;
    expectStatus(await membership('POST'), 201);
  });

  const membership = (method: 'POST' | 'DELETE') =>
    method === 'POST'
      ? t.call({ method, url: `/api/v1/teams/${team}/members`, payload: { user_id: user } })
      : t.call({ method, url: `/api/v1/teams/${team}/members/${user}` });
  const call = (key: string) =>
    t.call({ method: 'POST', url: '/v1/chat/completions', auth: key, payload: chat });

  it('stops working on /v1 and /api/v1 once the owner is removed, and works again on re-adding', async () => {
    const k = await createKey(t, { user_id: user, team_id: team, purpose: 'management' });
    expectStatus(await call(k.key), 200);

    expectStatus(await membership('DELETE'), 204);
    const refused = expectError(await call(k.key), 401, 'key_blocked');
    expect(JSON.stringify(refused)).toContain('no longer a member');
    expectError(
      await t.call({ method: 'GET', url: '/v1/models', auth: k.key }),
      401,
      'key_blocked',
    );
    expectError(
      await t.call({ method: 'GET', url: '/api/v1/me', auth: k.key }),
      401,
      'key_blocked',
    );

    // Membership is what the key rests on: back in the team, the key works again.
    expectStatus(await membership('POST'), 201);
    expectStatus(await call(k.key), 200);
  });

  it("a personal key of the same person is not affected by the team's membership", async () => {
    const personal = await createKey(t, { user_id: user, purpose: 'inference' });
    expectStatus(await membership('DELETE'), 204);
    expectStatus(await call(personal.key), 200);
  });

  it('membership through any source keeps the key working; losing the last one stops it', async () => {
    const k = await createKey(t, { user_id: user, team_id: team });
    // A second source (an IdP) holds the person in the team too.
    await t.write((s) =>
      t.services.memberships.addTeamMember(s, team, user, 'member', { source: 'sso:okta' }),
    );
    expectStatus(await membership('DELETE'), 204);
    expectStatus(await call(k.key), 200);
    await t.write((s) =>
      t.services.memberships.removeTeamMember(s, team, user, { source: 'sso:okta' }),
    );
    expectError(await call(k.key), 401, 'key_blocked');
  });
});
