import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SpendLogsTable } from '../../src/db/schema.js';
import { SpendLedger } from '../../src/gateway/spend/ledger.js';
import { SpendWriter } from '../../src/gateway/spend/writer.js';
import { type TestApp, testApp } from '../support/app.js';
import { dialects, type TestDb, testDb } from '../support/db.js';
import { expectError, expectStatus } from '../support/json.js';
import { createKey } from '../support/seed.js';

/**
 * Through a wildcard route (`fake/*`) any model name the client sends is served and written to
 * the spend log. A name PostgreSQL cannot store — one with a NUL, or one too long for the
 * model index — made the spend writer's transaction fail, and since a failed flush keeps its
 * rows for the next one, every later flush failed too: one request by any key holder stopped
 * all spend from being stored. Such names are now refused before anything is admitted.
 */
describe.each(dialects())('model names that would poison the spend log (%s)', (dialect) => {
  let t: TestApp;
  let key: string;

  beforeAll(async () => {
    t = await testApp(dialect, {
      model_list: [
        { model_name: 'fake-gpt', litellm_params: { model: 'fake/echo' } },
        { model_name: 'fake/*', litellm_params: { model: 'fake/*' } },
      ],
    });
    key = (await createKey(t, {})).key;
  });
  afterAll(async () => t.close());

  const chat = (model: string) =>
    t.call({
      method: 'POST',
      url: '/v1/chat/completions',
      auth: key,
      payload: { model, messages: [{ role: 'user', content: 'hi' }] },
    });
  const spendModels = async () =>
    (await t.db.kysely.selectFrom('spend_logs').select('model').execute()).map((r) => r.model);

  it('refuses a NUL or other control character and an overlong name with 400', async () => {
    for (const model of [
      'fake/echo\u0000x',
      'fake/echo\nx',
      `fake/${randomBytes(3000).toString('base64url')}`,
    ]) {
      const err = expectError(await chat(model), 400, 'invalid_request');
      expect(err.message).toMatch(/^model: /);
    }
    const embed = await t.call({
      method: 'POST',
      url: '/v1/embeddings',
      auth: key,
      payload: { model: 'fake/echo\u0000', input: 'x' },
    });
    expectError(embed, 400, 'invalid_request');
  });

  it('spend keeps being stored after such attempts', async () => {
    await chat('fake/echo\u0000y');
    const longest = `fake/${'e'.repeat(195)}`;
    expectStatus(await chat(longest), 200);
    expectStatus(await chat('fake-gpt'), 200);
    await t.gateway.flushSpend();
    const models = await spendModels();
    expect(models).toEqual(expect.arrayContaining([longest, 'fake-gpt']));
    expect(models.some((m) => m.includes('\u0000'))).toBe(false);
  });
});

/** Whatever the next such vector is: one refused row no longer stops the rows behind it. */
describe.each(dialects())('a spend log row the database refuses (%s)', (dialect) => {
  let db: TestDb;
  afterAll(async () => db.dispose());

  const row = (id: string, model: string): SpendLogsTable => ({
    id,
    request_id: `req-${id}`,
    created_at: new Date().toISOString(),
    key_id: null,
    user_id: null,
    team_id: null,
    organization_id: null,
    operation: 'chat',
    model,
    deployment: null,
    provider: null,
    upstream_model: null,
    stream: 0,
    prompt_tokens: 1,
    completion_tokens: 1,
    total_tokens: 2,
    usage_estimated: 0,
    cost: 0,
    latency_ms: 1,
    status: 'success',
    http_status: 200,
    error_code: null,
  });

  it('is dropped and reported; the others are written, now and at the next flush', async () => {
    db = await testDb(dialect);
    const errors: string[] = [];
    const writer = new SpendWriter(db, new SpendLedger(() => Date.now()), {
      intervalMs: 3_600_000,
      maxQueued: 1000,
      now: () => new Date(),
      onError: (_err, what) => errors.push(what),
    });
    writer.record(row('a', 'fake-gpt'));
    // Refused on both databases: a row id already written (and on PostgreSQL, also the NUL).
    writer.record({ ...row('a', 'fake\u0000gpt') });
    writer.record(row('b', 'fake-gpt'));
    await writer.flush();
    writer.record(row('c', 'fake-gpt'));
    await writer.flush();
    const ids = (await db.kysely.selectFrom('spend_logs').select('id').execute()).map((r) => r.id);
    expect(ids.sort()).toEqual(['a', 'b', 'c']);
    expect(writer.queued).toBe(0);
    expect(errors.some((e) => e.includes('dropped'))).toBe(true);
  });
});
