import type { AddressInfo } from 'node:net';
import { connect as tcp } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type GatewayTestApp, gatewayApp } from '../support/gateway.js';
import { type MockUpstream, startMockUpstream } from '../support/mock-upstream/server.js';

/**
 * close() of an app with a gateway must always finish: with upstream pools made or not, with an
 * idle client connection, with a stream in flight (it gets `drainTimeoutMs`, then is cut). The
 * tests await close() itself: a hang fails them by the test timeout.
 */
describe('gateway: close() never hangs', () => {
  let mock: MockUpstream;
  let t: GatewayTestApp;
  afterEach(async () => {
    await t.db.dispose();
    await mock.close();
  });

  async function start(drainTimeoutMs = 300) {
    mock = await startMockUpstream();
    t = await gatewayApp(
      'sqlite',
      {
        model_list: [
          {
            model_name: 'm',
            litellm_params: { model: 'openai/gpt-4o', api_base: `${mock.url}/v1`, api_key: 'k' },
          },
          {
            model_name: 'unused',
            litellm_params: { model: 'openai/gpt-4o', api_base: 'http://127.0.0.1:9/v1' },
          },
        ],
      },
      { gatewayOptions: { drainTimeoutMs } },
    );
  }

  it('when no upstream was ever called', async () => {
    await start();
    await t.app.close();
    expect(t.app.server.listening).toBe(false);
  });

  it('after upstream calls left keep-alive sockets in the pool', async () => {
    await start();
    for (let i = 0; i < 3; i++) {
      await t.openai().chat.completions.create({
        model: 'm',
        messages: [{ role: 'user', content: 'Hi' }],
      });
    }
    await t.app.close();
    expect(t.app.server.listening).toBe(false);
  });

  it('when a client holds a connection that never sent a request', async () => {
    await start();
    const port = (t.app.server.address() as AddressInfo).port;
    const idle = tcp(port, '127.0.0.1');
    await new Promise((r) => idle.once('connect', r));
    const closed = new Promise((r) => idle.once('close', r));
    await t.app.close();
    await closed;
    expect(idle.destroyed).toBe(true);
  });

  it('with a stream in flight: drained for the bound, then cut, upstream aborted, spend kept', async () => {
    await start(200);
    mock.next({ kind: 'gate', release: new Promise<void>(() => undefined) });
    const stream = await t.openai().chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
    });
    const it = stream[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.done).toBe(false);
    const rest = (async () => {
      try {
        for (let r = await it.next(); !r.done; r = await it.next());
        return 'ended';
      } catch {
        return 'cut';
      }
    })();
    await t.app.close();
    expect(await rest).toBe('cut');
    await mock.waitForAborts(1);
    // The aborted stream's spend row was written by close().
    const row = await t.db.kysely
      .selectFrom('spend_logs')
      .select(['status', 'stream', 'http_status'])
      .executeTakeFirst();
    expect(row).toEqual({ status: 'aborted', stream: 1, http_status: 499 });
  });

  it('a stream that ends within the bound is not cut', async () => {
    await start(10_000);
    let release = () => {};
    mock.next({ kind: 'gate', release: new Promise<void>((r) => (release = r)) });
    const stream = await t.openai().chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
    });
    const it = stream[Symbol.asyncIterator]();
    await it.next();
    const closing = t.app.close();
    release();
    let chunks = 1;
    for (let r = await it.next(); !r.done; r = await it.next()) chunks++;
    await closing;
    expect(chunks).toBeGreaterThan(1);
    const row = await t.db.kysely.selectFrom('spend_logs').select(['status']).executeTakeFirst();
    expect(row).toEqual({ status: 'success' });
  });
});
