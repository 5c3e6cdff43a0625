import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type Gatehouse } from '../../src/app.js';
import { fromObject } from '../../src/config/load.js';
import { MASTER_KEY } from '../support/app.js';
import { type TestDb, testDb } from '../support/db.js';

/**
 * The real logger configuration (level, redaction paths, serializers), with only its destination
 * replaced: at trace every request line carries its headers and body, so each credential below
 * reaches the logger and only the configured redaction keeps it out of the output.
 */
describe('logs never contain a secret (the real logger, at trace)', () => {
  const lines: string[] = [];
  let gh: Gatehouse;
  let db: TestDb;
  const all = () => lines.join('');
  const PASSWORD = 'correct-horse-battery-staple-42';
  const NEW_PASSWORD = 'another-long-secret-passphrase-7';
  let key = '';
  let sessionCookie = '';
  let csrfCookie = '';

  beforeAll(async () => {
    db = await testDb('sqlite');
    const { config } = fromObject({}, '(test)', undefined, {
      env: { GATEHOUSE_MASTER_KEY: MASTER_KEY, GATEHOUSE_LOG_LEVEL: 'trace' },
    });
    const logStream = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    gh = await buildApp({ config, db, logStream });
  });
  afterAll(async () => {
    await gh.app.close();
    await db.dispose();
  });

  const master = { authorization: `Bearer ${MASTER_KEY}` };

  it('keeps master keys, virtual keys and rejected keys (authorization, api-key) out', async () => {
    const created = await gh.app.inject({
      method: 'POST',
      url: '/api/v1/keys',
      headers: master,
      payload: { name: 'k' },
    });
    expect(created.statusCode).toBe(201);
    key = (JSON.parse(created.body) as { key: string }).key;
    await gh.app.inject({
      method: 'GET',
      url: '/v1/models',
      headers: { authorization: `Bearer ${key}` },
    });
    await gh.app.inject({ method: 'GET', url: '/v1/models', headers: { 'api-key': key } });
    // The gateway writes one line per request without headers; the API logs them (at trace).
    await gh.app.inject({ method: 'GET', url: '/api/v1/me', headers: { 'api-key': key } });
    await gh.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { ...master, 'x-api-key': key },
    });
    const wrong = 'sk-gh-this-is-a-wrong-but-secret-looking-key';
    const rejected = await gh.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: `Bearer ${wrong}` },
    });
    expect(rejected.statusCode).toBe(401);
    expect(all()).toContain('request rejected');
    // The headers were logged, censored: redaction did the work, not an omission.
    expect(all()).toContain('"authorization":"[redacted]"');
    expect(all()).toContain('"api-key":"[redacted]"');
    expect(all()).toContain('"x-api-key":"[redacted]"');
    for (const secret of [MASTER_KEY, key, wrong]) expect(all()).not.toContain(secret);
  });

  it('keeps passwords in bodies out (user creation, password change, login)', async () => {
    const user = await gh.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: master,
      payload: { email: 'breakglass@acme.com', role: 'proxy_admin', password: PASSWORD },
    });
    expect(user.statusCode).toBe(201);
    const id = (JSON.parse(user.body) as { id: string }).id;
    const put = await gh.app.inject({
      method: 'PUT',
      url: `/api/v1/users/${id}/password`,
      headers: master,
      payload: { password: NEW_PASSWORD },
    });
    expect(put.statusCode).toBe(204);
    const login = await gh.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { username: 'breakglass@acme.com', password: NEW_PASSWORD },
    });
    expect(login.statusCode).toBe(200);
    for (const c of login.cookies) {
      if (c.name === 'gh_session') sessionCookie = c.value;
      if (c.name === 'gh_csrf') csrfCookie = c.value;
    }
    expect(sessionCookie).not.toBe('');
    expect(all()).toContain('"password":"[redacted]"');
    for (const secret of [PASSWORD, NEW_PASSWORD]) expect(all()).not.toContain(secret);
  });

  it('censors secret fields of any body, even one the route then refuses', async () => {
    // LiteLLM clients send {"key": "sk-..."} to update a key; SSO and SCIM settings carry secrets.
    const body = {
      key: 'sk-field-key-0123456789abcdef',
      secret: 'field-secret-0123456789abcdef',
      token: 'field-token-0123456789abcdef',
      client_secret: 'field-client-secret-0123456789',
      // Nested, as SSO settings and SCIM PATCH operations carry them.
      microsoft_graph: { client_secret: 'nested-client-secret-0123456789' },
      Operations: [{ op: 'replace', value: { password: 'nested-scim-password-0123456789' } }],
      members: [{ token: 'nested-list-token-0123456789' }],
    };
    const secrets = [
      body.key,
      body.secret,
      body.token,
      body.client_secret,
      body.microsoft_graph.client_secret,
      'nested-scim-password-0123456789',
      'nested-list-token-0123456789',
    ];
    const res = await gh.app.inject({
      method: 'POST',
      url: '/api/v1/keys',
      headers: master,
      payload: body,
    });
    expect(res.statusCode).toBe(422);
    expect(all()).toContain('"client_secret":"[redacted]"');
    for (const secret of secrets) expect(all()).not.toContain(secret);
  });

  it('keeps session cookies (cookie, set-cookie) and the CSRF token out', async () => {
    expect(sessionCookie).not.toBe('');
    const me = await gh.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { cookie: `gh_session=${sessionCookie}; gh_csrf=${csrfCookie}` },
    });
    expect(me.statusCode).toBe(200);
    const out = await gh.app.inject({
      method: 'POST',
      url: '/auth/logout',
      headers: {
        cookie: `gh_session=${sessionCookie}; gh_csrf=${csrfCookie}`,
        'x-csrf-token': csrfCookie,
      },
    });
    expect(out.statusCode).toBe(204);
    expect(all()).toContain('"cookie":"[redacted]"');
    expect(all()).toContain('"set-cookie":"[redacted]"');
    expect(all()).toContain('"x-csrf-token":"[redacted]"');
    for (const secret of [sessionCookie, csrfCookie]) expect(all()).not.toContain(secret);
  });

  it('keeps keys sent in the query string out of the logged URL', async () => {
    expect(key).not.toBe('');
    const inUrl = [
      `/api/v1/me?key=${key}`,
      `/v1/models?api_key=${key}`,
      `/api/v1/users?limit=1&access_token=${key}`,
      `/health/liveliness?token=${key}`,
    ];
    for (const url of inUrl) await gh.app.inject({ method: 'GET', url });
    expect(all()).toContain('"url":"/api/v1/me?key=[redacted]"');
    expect(all()).toContain('"url":"/api/v1/users?limit=1&access_token=[redacted]"');
    expect(all()).toContain('"url":"/health/liveliness?token=[redacted]"');
    expect(all()).not.toContain(key);
  });
});
