import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import type { Dialect } from '../../src/db/connect.js';
import type { GatewayOptions } from '../../src/gateway/index.js';
import { MASTER_KEY, type TestApp, testApp } from './app.js';

export interface GatewayTestApp extends TestApp {
  baseURL: string;
  /** The official SDK pointed at this Gatehouse; no SDK retries, so tests see each answer. */
  openai(key?: string, opts?: { timeout?: number }): OpenAI;
}

/** A Gatehouse listening on a random loopback port, for clients that speak real HTTP. */
export async function gatewayApp(
  dialect: Dialect,
  file: Record<string, unknown>,
  opts: { now?: () => Date; gatewayOptions?: GatewayOptions } = {},
): Promise<GatewayTestApp> {
  const t = await testApp(dialect, file, opts);
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const port = (t.app.server.address() as AddressInfo).port;
  const baseURL = `http://127.0.0.1:${port}/v1`;
  return {
    ...t,
    async close() {
      // The SDK's fetch may leave a connection that never carried a request; Fastify's
      // 'idle' shutdown waits for it (Node does not count it idle), so the tests end it.
      t.app.server.closeAllConnections();
      await t.close();
    },
    baseURL,
    openai: (key = MASTER_KEY, o = {}) =>
      new OpenAI({ apiKey: key, baseURL, maxRetries: 0, timeout: o.timeout ?? 10_000 }),
  };
}

/** A settable clock: tests move time instead of sleeping. */
export function testClock(start = Date.parse('2026-03-01T12:00:00Z')) {
  let t = start;
  return {
    now: () => new Date(t),
    advance(ms: number) {
      t += ms;
    },
    set(ms: number) {
      t = ms;
    },
  };
}
