import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type Gatehouse } from '../../src/app.js';
import { fromObject } from '../../src/config/load.js';
import { MASTER_KEY } from '../support/app.js';
import { type TestDb, testDb } from '../support/db.js';

describe('logs never contain a secret', () => {
  const lines: string[] = [];
  let gh: Gatehouse;
  let db: TestDb;
  beforeAll(async () => {
    db = await testDb('sqlite');
    const { config } = fromObject({}, '(test)', undefined, {
      env: { GATEHOUSE_MASTER_KEY: MASTER_KEY },
    });
    const stream = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    gh = await buildApp({
      config: { ...config, logLevel: 'trace' },
      db,
      logger: { level: 'trace', stream },
    });
  });
  afterAll(async () => {
    await gh.app.close();
    await db.dispose();
  });

  it('keeps master keys, virtual keys and rejected keys out of every log line', async () => {
    const auth = { authorization: `Bearer ${MASTER_KEY}` };
    const created = await gh.app.inject({
      method: 'POST',
      url: '/api/v1/keys',
      headers: auth,
      payload: { name: 'k' },
    });
    expect(created.statusCode).toBe(201);
    const key = (JSON.parse(created.body) as { key: string }).key;
    await gh.app.inject({
      method: 'GET',
      url: '/v1/models',
      headers: { authorization: `Bearer ${key}` },
    });
    await gh.app.inject({ method: 'GET', url: '/v1/models', headers: { 'api-key': key } });
    const wrong = 'sk-gh-this-is-a-wrong-but-secret-looking-key';
    const rejected = await gh.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: `Bearer ${wrong}` },
    });
    expect(rejected.statusCode).toBe(401);
    const all = lines.join('');
    expect(lines.length).toBeGreaterThan(5);
    expect(all).toContain('request rejected');
    for (const secret of [MASTER_KEY, key, wrong]) expect(all).not.toContain(secret);
  });
});
