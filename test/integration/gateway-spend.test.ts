import { calcPrice } from '@pydantic/genai-prices';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/db.js';
import { type GatewayTestApp, gatewayApp } from '../support/gateway.js';
import { expectStatus } from '../support/json.js';
import { type MockUpstream, startMockUpstream } from '../support/mock-upstream/server.js';
import { createKey, createTeam, userWithKey } from '../support/seed.js';

describe.each(dialects())('gateway spend (%s)', (dialect) => {
  let mock: MockUpstream;
  let t: GatewayTestApp;

  beforeAll(async () => {
    mock = await startMockUpstream();
    t = await gatewayApp(dialect, {
      model_list: [
        {
          model_name: 'gpt-4o-mini',
          litellm_params: {
            model: 'openai/gpt-4o-mini',
            api_base: `${mock.url}/v1`,
            api_key: 'sk-up',
          },
        },
      ],
    });
  });
  afterAll(async () => {
    await t.close();
    await mock.close();
  });

  it('after a burst of concurrent requests (streams included), stored spend equals the reported usage priced by the table', async () => {
    const team = await createTeam(t, { models: [] });
    const k = await createKey(t, { user_id: null, team_id: team.id });
    const before = mock.reported.length;
    const client = t.openai(k.key);
    await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        const body = {
          model: 'gpt-4o-mini',
          messages: [{ role: 'user' as const, content: `n${i}` }],
        };
        if (i % 3 === 0) {
          for await (const _c of await client.chat.completions.create({ ...body, stream: true })) {
            // read to the end
          }
        } else {
          await client.chat.completions.create(body);
        }
      }),
    );
    const usages = mock.reported.slice(before);
    expect(usages).toHaveLength(60);
    const price = (u: { prompt: number; completion: number }) =>
      calcPrice({ input_tokens: u.prompt, output_tokens: u.completion }, 'gpt-4o-mini', {
        providerId: 'openai',
      })?.total_price ?? Number.NaN;
    const expected = usages.reduce((s, u) => s + price(u), 0);
    const tokens = usages.reduce((s, u) => s + u.prompt + u.completion, 0);
    expect(expected).toBeGreaterThan(0);

    await t.gateway.flushSpend();
    const key = await t.db.kysely
      .selectFrom('api_keys')
      .select('spend')
      .where('id', '=', k.id)
      .executeTakeFirstOrThrow();
    const teamRow = await t.db.kysely
      .selectFrom('teams')
      .select('spend')
      .where('id', '=', team.id)
      .executeTakeFirstOrThrow();
    // Equal up to floating-point summation order; a lost or doubled request would be off by
    // at least one request's cost (~1e-5 here), far outside this tolerance.
    expect(key.spend).toBeCloseTo(expected, 12);
    expect(teamRow.spend).toBeCloseTo(expected, 12);

    const totals = expectStatus<{
      requests: number;
      total_tokens: number;
      cost: number;
      by_model: { model: string; requests: number }[];
      by_day: unknown[];
    }>(await t.call({ method: 'GET', url: `/api/v1/spend?key_id=${k.id}` }), 200);
    expect(totals.requests).toBe(60);
    expect(totals.total_tokens).toBe(tokens); // tokens are integers: exactly equal
    expect(totals.cost).toBeCloseTo(expected, 12);
    expect(totals.by_model).toEqual([
      expect.objectContaining({ model: 'gpt-4o-mini', requests: 60 }),
    ]);
    expect(totals.by_day).toHaveLength(1);
    const logs = expectStatus<{
      data: { status: string; stream: boolean; usage_estimated: boolean }[];
      next_cursor: string | null;
    }>(await t.call({ method: 'GET', url: `/api/v1/spend/logs?key_id=${k.id}&limit=50` }), 200);
    expect(logs.data).toHaveLength(50);
    expect(logs.next_cursor).not.toBeNull();
    expect(logs.data.every((l) => l.status === 'success' && !l.usage_estimated)).toBe(true);
    expect(logs.data.filter((l) => l.stream).length).toBeGreaterThan(10);
  });

  it('a burst with aborted streams: every request is counted once, aborted ones at their recorded estimate', async () => {
    const team = await createTeam(t, { models: [] });
    const k = await createKey(t, { user_id: null, team_id: team.id });
    // Requests whose text starts with "cut" stream their first event and then hang until the
    // client goes away; their usage is never sent, so it is marked to be told apart.
    const CUT = { prompt: 999_983, completion: 999_979 };
    const normal = mock.fallback;
    mock.fallback = (r, n) =>
      JSON.stringify(r.body.messages).includes('cut')
        ? { kind: 'gate', release: new Promise<void>(() => undefined), usage: CUT }
        : normal(r, n);
    const before = mock.reported.length;
    const client = t.openai(k.key);
    const N = 45;
    try {
      await Promise.all(
        Array.from({ length: N }, async (_, i) => {
          const cut = i % 5 === 0;
          const body = {
            model: 'gpt-4o-mini',
            messages: [{ role: 'user' as const, content: cut ? `cut ${i}` : `n${i}` }],
          };
          if (cut) {
            const controller = new AbortController();
            const stream = await client.chat.completions.create(
              { ...body, stream: true },
              { signal: controller.signal },
            );
            const it = stream[Symbol.asyncIterator]();
            await it.next();
            controller.abort();
          } else if (i % 3 === 0) {
            for await (const _c of await client.chat.completions.create({
              ...body,
              stream: true,
            })) {
              // read to the end
            }
          } else {
            await client.chat.completions.create(body);
          }
        }),
      );
    } finally {
      mock.fallback = normal;
    }
    const price = (prompt: number, completion: number) =>
      calcPrice({ input_tokens: prompt, output_tokens: completion }, 'gpt-4o-mini', {
        providerId: 'openai',
      })?.total_price ?? Number.NaN;
    const completed = mock.reported
      .slice(before)
      .filter((u) => u.prompt !== CUT.prompt)
      .map((u) => price(u.prompt, u.completion));
    const aborts = Math.ceil(N / 5);
    expect(completed).toHaveLength(N - aborts);

    // The aborted requests settle when Gatehouse sees the client go; wait for all their rows.
    type Row = { status: string; prompt_tokens: number; completion_tokens: number; cost: number };
    let rows: Row[] = [];
    while (rows.length < N) {
      await t.gateway.flushSpend();
      rows = await t.db.kysely
        .selectFrom('spend_logs')
        .select(['status', 'prompt_tokens', 'completion_tokens', 'cost'])
        .where('key_id', '=', k.id)
        .execute();
    }
    expect(rows).toHaveLength(N);
    const aborted = rows.filter((r) => r.status === 'aborted');
    expect(aborted).toHaveLength(aborts);
    expect(rows.filter((r) => r.status === 'success')).toHaveLength(N - aborts);
    // An aborted stream costs what its recorded (estimated) tokens cost, never the mock's marker.
    for (const r of aborted) {
      expect(Number(r.prompt_tokens)).toBeLessThan(CUT.prompt);
      expect(Number(r.cost)).toBeCloseTo(
        price(Number(r.prompt_tokens), Number(r.completion_tokens)),
        15,
      );
    }
    const expected =
      completed.reduce((s, c) => s + c, 0) + aborted.reduce((s, r) => s + Number(r.cost), 0);
    const key = await t.db.kysely
      .selectFrom('api_keys')
      .select('spend')
      .where('id', '=', k.id)
      .executeTakeFirstOrThrow();
    const teamRow = await t.db.kysely
      .selectFrom('teams')
      .select('spend')
      .where('id', '=', team.id)
      .executeTakeFirstOrThrow();
    expect(key.spend).toBeCloseTo(expected, 12);
    expect(teamRow.spend).toBeCloseTo(expected, 12);
  });

  it('an internal user sees only their own spend; a time range outside the requests finds nothing', async () => {
    const alice = await userWithKey(t, 'internal_user');
    const bob = await userWithKey(t, 'internal_user');
    for (const who of [alice, bob]) {
      await t.openai(who.key).chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'x' }],
      });
    }
    await t.gateway.flushSpend();
    // The key carries its owner's role on /api/v1 (with key purposes, this is a read_only key).
    const asAlice = alice.key;
    const mine = expectStatus<{ data: { user_id: string }[] }>(
      await t.call({ method: 'GET', url: '/api/v1/spend/logs', auth: asAlice }),
      200,
    );
    expect(mine.data.length).toBeGreaterThan(0);
    expect(mine.data.every((l) => l.user_id === alice.user.id)).toBe(true);
    const none = expectStatus<{ requests: number }>(
      await t.call({ method: 'GET', url: '/api/v1/spend?end=2000-01-01T00:00:00Z' }),
      200,
    );
    expect(none.requests).toBe(0);
  });
});
