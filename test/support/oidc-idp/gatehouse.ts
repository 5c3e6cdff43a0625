import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import type { Dialect } from '../../../src/db/connect.js';
import { type TestApp, testApp } from '../app.js';
import { TestBrowser } from './browser.js';
import { RP_BASE } from './flow.js';

/**
 * A whole Gatehouse listening on loopback (port 0) for SSO tests. Its public URL is `RP_BASE`,
 * the address the test IdPs' clients have registered as redirect URIs; the browser driver stops
 * at that redirect, and the tests deliver it to where Gatehouse really listens — as a reverse
 * proxy in front of Gatehouse would.
 */
export const TEST_SECRET = 'sso-test-gatehouse-secret-0123456789';

export interface SsoTestApp extends TestApp {
  /** Where the app listens, e.g. http://127.0.0.1:41234 */
  origin: string;
  /** A path or a URL at the public URL, moved to where the app listens. */
  at(url: string | URL): URL;
}

export async function ssoTestApp(
  dialect: Dialect,
  file: Record<string, unknown>,
  opts: Parameters<typeof testApp>[2] = {},
): Promise<SsoTestApp> {
  const t = await testApp(dialect, file, {
    ...opts,
    env: { GATEHOUSE_PUBLIC_URL: RP_BASE, GATEHOUSE_SECRET: TEST_SECRET, ...opts.env },
  });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const origin = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  return {
    ...t,
    origin,
    at(url) {
      const u = new URL(url, RP_BASE);
      return new URL(`${u.pathname}${u.search}`, origin);
    },
  };
}

export interface CallbackAnswer {
  /** The callback URL as the IdP sent it (at the public URL). */
  callback: URL;
  status: number;
  location: string | null;
  body: string;
  /** Values of the cookies the answer set (empty values are deletions). */
  cookies: Map<string, string>;
  /** The gh_session cookie this answer set, if it set one. */
  session: string | null;
}

function setCookies(res: Response): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of res.headers.getSetCookie()) {
    const pair = line.split(';', 1)[0] ?? '';
    const eq = pair.indexOf('=');
    if (eq > 0) out.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return out;
}

async function answer(callback: URL, res: Response): Promise<CallbackAnswer> {
  const cookies = setCookies(res);
  return {
    callback,
    status: res.status,
    location: res.headers.get('location'),
    body: await res.text(),
    cookies,
    session: cookies.get('gh_session') || null,
  };
}

/**
 * Plays a person's browser through a whole SSO sign-in: Gatehouse's login URL → the IdP's login
 * form → the callback. `tamper` changes the callback URL before it is delivered (the attacks),
 * `callbackBrowser` delivers it from another browser.
 */
export async function signInThrough(
  t: SsoTestApp,
  loginPath: string,
  credentials: { username: string; password: string },
  opts: {
    browser?: TestBrowser;
    tamper?: (callback: URL) => URL;
    callbackBrowser?: TestBrowser;
  } = {},
): Promise<CallbackAnswer & { browser: TestBrowser }> {
  const browser = opts.browser ?? new TestBrowser();
  const start = await browser.request(t.at(loginPath));
  const location = start.headers.get('location');
  if (start.status !== 302 || !location) {
    expect.fail(`login did not redirect to the IdP: ${start.status} ${await start.text()}`);
  }
  await start.body?.cancel();
  const callback = await browser.signIn(location, credentials, `${RP_BASE}/sso/`);
  const delivered = opts.tamper ? opts.tamper(new URL(callback)) : callback;
  const res = await (opts.callbackBrowser ?? browser).request(t.at(delivered));
  return { ...(await answer(callback, res)), browser };
}

/** GET as the browser (with its cookies), JSON back. */
export async function browserGet<T>(t: SsoTestApp, browser: TestBrowser, path: string) {
  const res = await browser.request(t.at(path));
  return { status: res.status, body: (await res.json()) as T };
}
