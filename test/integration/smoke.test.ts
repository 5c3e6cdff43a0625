import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from '../support/app.js';
import { dialects } from '../support/db.js';
import { expectStatus } from '../support/json.js';

describe.each(dialects())('smoke (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp(dialect);
  });
  afterAll(async () => t.close());

  it('is ready and lists the built-in model', async () => {
    expectStatus(await t.call({ method: 'GET', url: '/health/readiness', auth: null }), 200);
    const models = expectStatus<{ data: { id: string }[] }>(
      await t.call({ method: 'GET', url: '/v1/models' }),
      200,
    );
    expect(models.data.map((m) => m.id)).toEqual(['fake-gpt']);
  });
});
