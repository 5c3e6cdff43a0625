import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionConfig } from '../../src/config/schema.js';
import { completeSignIn } from '../../src/sso/login.js';
import { dialects } from '../support/db.js';
import { type GatewayTestApp, gatewayApp, testClock } from '../support/gateway.js';
import { expectStatus } from '../support/json.js';
import { type MockUpstream, startMockUpstream } from '../support/mock-upstream/server.js';
import { createKey, createTeam, createUser } from '../support/seed.js';

const DAY = 86_400_000;

describe.each(dialects())('gateway governance on the hot path (%s)', (dialect) => {
  let mock: MockUpstream;
  let t: GatewayTestApp;
  const clock = testClock();
  const chat = (key: string, model = 'gpt-3.5-turbo') =>
    t
      .openai(key)
      .chat.completions.create({ model, messages: [{ role: 'user', content: 'Hi' }] })
      .then(
        () => null,
        (e: unknown) => e as InstanceType<typeof OpenAI.APIError>,
      );

  beforeAll(async () => {
    mock = await startMockUpstream();
    const upstream = { api_base: `${mock.url}/v1`, api_key: 'sk-up' };
    t = await gatewayApp(
      dialect,
      {
        model_list: [
          // One dollar per token: budgets in the tests are spent in a few requests.
          {
            model_name: 'gpt-3.5-turbo',
            litellm_params: {
              model: 'openai/gpt-3.5-turbo',
              ...upstream,
              input_cost_per_token: 1,
              output_cost_per_token: 1,
            },
          },
          { model_name: 'gpt-4o', litellm_params: { model: 'openai/gpt-4o', ...upstream } },
          {
            model_name: 'openai/o3-mini',
            litellm_params: { model: 'openai/o3-mini', ...upstream },
          },
        ],
        litellm_settings: {
          default_team_params: {
            max_budget: 100,
            budget_duration: '30d',
            models: ['gpt-3.5-turbo'],
          },
        },
        sso: {
          connections: [
            {
              id: 'okta',
              type: 'oidc',
              issuer: 'https://acme.okta.com/oauth2/default',
              client_id: 'c',
              email_domains: ['acme.com'],
            },
          ],
        },
        role_mapping: { rules: [{ group: 'developers', role: 'internal_user' }] },
      },
      { now: clock.now },
    );
  });
  afterAll(async () => {
    await t.close();
    await mock.close();
  });

  it("a deactivated user's key is refused on the next request", async () => {
    const user = await createUser(t, { role: 'internal_user' });
    const { key } = await createKey(t, { user_id: user.id });
    expect(await chat(key, 'gpt-4o')).toBeNull();
    expectStatus(
      await t.call({
        method: 'PATCH',
        url: `/api/v1/users/${user.id}`,
        payload: { active: false },
      }),
      200,
    );
    const err = await chat(key, 'gpt-4o');
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(err?.code).toBe('user_inactive');
  });

  it('a blocked key is refused on the next request', async () => {
    const k = await createKey(t, { user_id: null });
    expect(await chat(k.key, 'gpt-4o')).toBeNull();
    expectStatus(
      await t.call({ method: 'PATCH', url: `/api/v1/keys/${k.id}`, payload: { blocked: true } }),
      200,
    );
    const err = await chat(k.key, 'gpt-4o');
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(err?.code).toBe('key_blocked');
  });

  it("a model outside the key's models is refused, and so is one outside the team's", async () => {
    const narrow = await createKey(t, { user_id: null, models: ['gpt-4o'] });
    expect(await chat(narrow.key, 'gpt-4o')).toBeNull();
    const byKey = await chat(narrow.key, 'gpt-3.5-turbo');
    expect(byKey).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(byKey?.message).toContain("not among the key's models");

    const team = await createTeam(t, { models: ['gpt-4o'] });
    // The key itself names no models (no restriction at its level); its team does.
    const teamKey = await createKey(t, { user_id: null, team_id: team.id });
    const byTeam = await chat(teamKey.key, 'gpt-3.5-turbo');
    expect(byTeam).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(byTeam?.message).toContain("not among the team's models");
    // A model the key may not call is not listed either.
    const listed = await t.openai(teamKey.key).models.list();
    expect(listed.data.map((m) => m.id)).toEqual(['gpt-4o']);
  });

  it('wildcards: openai/* opens openai/o3-mini and nothing outside the prefix', async () => {
    const k = await createKey(t, { user_id: null, models: ['openai/*'] });
    expect(await chat(k.key, 'openai/o3-mini')).toBeNull();
    expect(await chat(k.key, 'gpt-4o')).toBeInstanceOf(OpenAI.PermissionDeniedError);
  });

  it('a team created by sign-in with default_team_params is refused once its budget is spent, until the period resets', async () => {
    const r = await completeSignIn(
      t.services.signIn,
      t.config.sso.connections[0] as ConnectionConfig,
      {
        subject: '00u-budget',
        email: 'budget@acme.com',
        emailVerified: true,
        userName: 'budget@acme.com',
        displayName: 'Budget Person',
        givenName: null,
        familyName: null,
        groups: [
          { id: null, name: 'developers' },
          { id: null, name: 'ml-budget' },
        ],
        groupsComplete: true,
        claims: {},
        roles: [],
      },
    );
    const team = r.sync.teams.find((x) => x.name === 'ml-budget');
    expect(team).toBeDefined();
    const { key } = await createKey(t, { user_id: r.user.id, team_id: team?.team_id });
    // default_team_params.models applies: only gpt-3.5-turbo.
    expect(await chat(key, 'gpt-4o')).toBeInstanceOf(OpenAI.PermissionDeniedError);

    let served = 0;
    let refusal: InstanceType<typeof OpenAI.APIError> | null = null;
    while (!refusal && served < 50) {
      refusal = await chat(key);
      if (!refusal) served++;
    }
    expect(served).toBeGreaterThan(0);
    expect(refusal).toBeInstanceOf(OpenAI.RateLimitError);
    expect(refusal?.code).toBe('budget_exceeded');
    expect(refusal?.message).toContain(`team ${team?.team_id}`);
    expect(refusal?.message).toContain('max_budget $100.00');
    const retryAfter = Number(refusal?.headers?.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(29 * 86_400);
    expect(retryAfter).toBeLessThanOrEqual(30 * 86_400);
    // Still refused a day later.
    clock.advance(DAY);
    expect((await chat(key))?.code).toBe('budget_exceeded');

    await t.gateway.flushSpend();
    const stored = await t.db.kysely
      .selectFrom('teams')
      .select(['spend', 'budget_reset_at'])
      .where('id', '=', team?.team_id ?? '')
      .executeTakeFirstOrThrow();
    expect(stored.spend).toBeGreaterThanOrEqual(100);

    clock.advance(30 * DAY);
    expect(await chat(key)).toBeNull();
    await t.gateway.flushSpend();
    const after = await t.db.kysely
      .selectFrom('teams')
      .select(['spend', 'budget_reset_at'])
      .where('id', '=', team?.team_id ?? '')
      .executeTakeFirstOrThrow();
    expect(after.spend).toBeLessThan(100);
    expect(Date.parse(after.budget_reset_at ?? '')).toBeGreaterThan(clock.now().getTime());
    expect(Date.parse(after.budget_reset_at ?? '')).toBeGreaterThan(
      Date.parse(stored.budget_reset_at ?? ''),
    );
  });

  it('rpm_limit on a key: the next request in the minute gets 429 naming the limit, the next minute passes', async () => {
    const k = await createKey(t, { user_id: null, rpm_limit: 2 });
    clock.set(Math.ceil(clock.now().getTime() / 60_000) * 60_000 + 1_000);
    expect(await chat(k.key, 'gpt-4o')).toBeNull();
    expect(await chat(k.key, 'gpt-4o')).toBeNull();
    const err = await chat(k.key, 'gpt-4o');
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err?.code).toBe('rate_limited');
    expect(err?.message).toContain('rpm_limit 2 per minute');
    expect(err?.headers?.get('retry-after')).toBe('59');
    clock.advance(60_000);
    expect(await chat(k.key, 'gpt-4o')).toBeNull();
  });

  it("tpm_limit on a team: once the minute's tokens reach it, requests wait for the next minute", async () => {
    const team = await createTeam(t, { tpm_limit: 30, models: ['gpt-4o'] });
    const k = await createKey(t, { user_id: null, team_id: team.id });
    clock.set(Math.ceil(clock.now().getTime() / 60_000) * 60_000);
    // Each mock answer reports at least 16 tokens: two requests pass the 30-token limit.
    expect(await chat(k.key, 'gpt-4o')).toBeNull();
    expect(await chat(k.key, 'gpt-4o')).toBeNull();
    const err = await chat(k.key, 'gpt-4o');
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err?.message).toContain(`team ${team.id}: tpm_limit 30 per minute`);
    clock.advance(60_000);
    expect(await chat(k.key, 'gpt-4o')).toBeNull();
  });

  it('100 concurrent requests against a nearly spent budget overshoot it by at most one request', async () => {
    const k = await createKey(t, { user_id: null, max_budget: 400 });
    // A first request teaches the gateway what a request to this model costs (16–54 here).
    expect(await chat(k.key)).toBeNull();
    const results = await Promise.all(Array.from({ length: 100 }, () => chat(k.key)));
    const served = results.filter((r) => r === null).length;
    const refused = results.filter((r) => r?.code === 'budget_exceeded').length;
    expect(served + refused).toBe(100);
    expect(refused).toBeGreaterThan(80);
    await t.gateway.flushSpend();
    const row = await t.db.kysely
      .selectFrom('api_keys')
      .select('spend')
      .where('id', '=', k.id)
      .executeTakeFirstOrThrow();
    // Checking spend alone would let all 100 through (none has finished when the others start).
    expect(row.spend).toBeLessThan(400 + 54);
  });
});
