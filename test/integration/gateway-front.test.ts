import type { AddressInfo } from 'node:net';
import { Readable, Writable } from 'node:stream';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type Gatehouse } from '../../src/app.js';
import { fromObject } from '../../src/config/load.js';
import { MASTER_KEY } from '../support/app.js';
import { type TestDb, testDb } from '../support/db.js';
import { testClock } from '../support/gateway.js';

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string | undefined>;
}

const COMPARED = ['content-type', 'x-request-id', 'retry-after', 'www-authenticate'];

/**
 * The lean `node:http` path (real HTTP to the listening server) and the Fastify routes
 * (`inject`, which never passes the server's request listener) must answer alike: each request
 * below is sent both ways with the same request id and clock, and the answers compared.
 */
describe('gateway: the lean path answers exactly as the Fastify routes do', () => {
  const lines: string[] = [];
  let gh: Gatehouse;
  let db: TestDb;
  let base = '';
  const clock = testClock();

  beforeAll(async () => {
    db = await testDb('sqlite');
    const { config } = fromObject({}, '(test)', undefined, {
      env: { GATEHOUSE_MASTER_KEY: MASTER_KEY, DATABASE_URL: ':memory:' },
    });
    const logStream = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    gh = await buildApp({ config, db, logStream, now: clock.now, feedPollMs: 3_600_000 });
    await gh.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(gh.app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await gh.app.close();
    await db.dispose();
  });

  const pick = (h: Record<string, unknown>) =>
    Object.fromEntries(COMPARED.map((n) => [n, h[n] === undefined ? undefined : String(h[n])]));

  async function both(
    url: string,
    headers: Record<string, string>,
    body: string,
  ): Promise<{ lean: Answer; fastify: Answer }> {
    const sent = { 'x-request-id': 'same-id', ...headers };
    const r = await request(`${base}${url}`, { method: 'POST', headers: sent, body });
    const lean = { status: r.statusCode, body: await r.body.text(), headers: pick(r.headers) };
    const i = await gh.app.inject({ method: 'POST', url, headers: sent, payload: body });
    return { lean, fastify: { status: i.statusCode, body: i.body, headers: pick(i.headers) } };
  }

  const json = { 'content-type': 'application/json' };
  const master = { ...json, authorization: `Bearer ${MASTER_KEY}` };
  const chat = JSON.stringify({ model: 'fake-gpt', messages: [{ role: 'user', content: 'hi' }] });

  it.each([
    ['a completion', '/v1/chat/completions', master, chat, 200],
    ['a completion without the prefix', '/chat/completions', master, chat, 200],
    [
      'embeddings',
      '/v1/embeddings',
      master,
      JSON.stringify({ model: 'fake-gpt', input: 'hi' }),
      200,
    ],
    ['no credential', '/v1/chat/completions', json, chat, 401],
    [
      'an unknown key',
      '/v1/chat/completions',
      { ...json, authorization: 'Bearer sk-unknown' },
      chat,
      401,
    ],
    ['an empty body', '/v1/chat/completions', master, '', 400],
    ['broken JSON', '/v1/chat/completions', master, '{"model":', 400],
    [
      'prototype poisoning',
      '/v1/chat/completions',
      master,
      '{"model":"fake-gpt","__proto__":{"x":1},"messages":[]}',
      400,
    ],
    ['a body that is not an object', '/v1/chat/completions', master, '[1,2]', 400],
    [
      'an unknown model',
      '/v1/chat/completions',
      master,
      JSON.stringify({ model: 'gpt-9', messages: [{ role: 'user', content: 'x' }] }),
      404,
    ],
    [
      'a charset parameter',
      '/v1/chat/completions',
      { ...master, 'content-type': 'application/json; charset=utf-8' },
      chat,
      200,
    ],
  ])('%s', async (_name, url, headers, body, status) => {
    const { lean, fastify } = await both(url, headers, body);
    expect(lean.status).toBe(status);
    expect(lean).toEqual(fastify);
    expect(lean.headers['x-request-id']).toBe('same-id');
  });

  it('a body over 16 MiB is refused 413 OpenAI-shaped, declared or streamed', async () => {
    const big = 'x'.repeat(16 * 1024 * 1024 + 1);
    const { lean, fastify } = await both('/v1/chat/completions', master, big);
    expect(lean.status).toBe(413);
    expect(lean).toEqual(fastify);
    // Without a content-length the limit is counted while reading.
    const chunked = await request(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: master,
      body: Readable.from(
        (function* () {
          for (let i = 0; i < 17; i++) yield Buffer.alloc(1024 * 1024, 0x20);
        })(),
      ),
    });
    expect(chunked.statusCode).toBe(413);
    expect(JSON.parse(await chunked.body.text())).toMatchObject({
      error: { code: 'payload_too_large' },
    });
  });

  it('writes one log line per request, and feeds the app-wide HTTP metrics', async () => {
    lines.length = 0;
    const r = await request(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...master, 'x-request-id': 'one-line' },
      body: chat,
    });
    await r.body.text();
    const mine = lines.filter((l) => l.includes('one-line'));
    expect(mine).toHaveLength(1);
    expect(JSON.parse(mine[0] ?? '{}')).toMatchObject({ msg: 'gateway request', status: 200 });
    const metrics = await gh.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(
      /gatehouse_http_requests_total\{method="POST",route="\/v1\/chat\/completions",status="200"\} \d+/,
    );
  });

  it('leaves other requests to Fastify: a text/plain body gets its 415 or 400, a query string its check', async () => {
    const plain = await request(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'text/xml' },
      body: '<x/>',
    });
    expect(plain.statusCode).toBe(415);
    expect(JSON.parse(await plain.body.text())).toMatchObject({
      error: { code: 'unsupported_media_type' },
    });
    const query = await request(`${base}/v1/chat/completions?api_key=${MASTER_KEY}`, {
      method: 'POST',
      headers: json,
      body: chat,
    });
    expect(query.statusCode).toBe(400);
    expect(await query.body.text()).not.toContain(MASTER_KEY);
  });
});
