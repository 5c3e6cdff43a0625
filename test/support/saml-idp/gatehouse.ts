import { expect } from 'vitest';
import { TestBrowser } from '../oidc-idp/browser.js';
import type { SsoTestApp } from '../oidc-idp/gatehouse.js';
import { Browser, type PostedResponse } from './browser.js';
import type { IdpUser } from './users.js';

/**
 * A SAML sign-in through a live Gatehouse: `/sso/{id}/login` in the person's browser, the
 * SimpleSAMLphp login form, and the auto-posted form delivered to the ACS — from the same
 * browser unless `acsBrowser` says otherwise, changed first by `tamper` (the attacks).
 */
export interface AcsAnswer {
  status: number;
  location: string | null;
  body: string;
  cookies: Map<string, string>;
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

/** Posts an IdP form (or anything shaped like one) to a Gatehouse URL, as the browser. */
export async function postForm(
  t: SsoTestApp,
  browser: TestBrowser,
  path: string,
  form: Record<string, string>,
): Promise<AcsAnswer> {
  const res = await browser.request(t.at(path), {
    method: 'POST',
    form: new URLSearchParams(form),
  });
  const cookies = setCookies(res);
  return {
    status: res.status,
    location: res.headers.get('location'),
    body: await res.text(),
    cookies,
    session: cookies.get('gh_session') || null,
  };
}

export const formOf = (p: PostedResponse): Record<string, string> => ({
  SAMLResponse: p.SAMLResponse,
  ...(p.RelayState !== null ? { RelayState: p.RelayState } : {}),
});

/** Starts a sign-in at Gatehouse and logs in at the IdP; the response is not delivered yet. */
export async function startSamlSignIn(
  t: SsoTestApp,
  loginPath: string,
  user: IdpUser,
  browser: TestBrowser = new TestBrowser(),
): Promise<{ browser: TestBrowser; posted: PostedResponse; requestUrl: URL }> {
  const start = await browser.request(t.at(loginPath));
  const location = start.headers.get('location');
  if (start.status !== 302 || !location) {
    expect.fail(`login did not redirect to the IdP: ${start.status} ${await start.text()}`);
  }
  await start.body?.cancel();
  const posted = await new Browser().login(location, user.username, user.password);
  return { browser, posted, requestUrl: new URL(location) };
}

export async function samlSignIn(
  t: SsoTestApp,
  loginPath: string,
  user: IdpUser,
  opts: {
    browser?: TestBrowser;
    acsBrowser?: TestBrowser;
    tamper?: (form: Record<string, string>) => Record<string, string>;
    acsPath?: string;
  } = {},
): Promise<AcsAnswer & { browser: TestBrowser; posted: PostedResponse }> {
  const { browser, posted } = await startSamlSignIn(t, loginPath, user, opts.browser);
  const form = opts.tamper ? opts.tamper(formOf(posted)) : formOf(posted);
  const action = opts.acsPath ?? new URL(posted.action).pathname;
  const answer = await postForm(t, opts.acsBrowser ?? browser, action, form);
  return { ...answer, browser, posted };
}

export interface ConnectionTest {
  status: string;
  checks: { check: string; status: string; message: string }[];
}

/** Makes a SAML connection from a metadata URL through the API and runs Test connection on it. */
export async function createAndTest(
  t: SsoTestApp,
  id: string,
  metadataUrl: string,
): Promise<ConnectionTest> {
  const made = await t.call({
    method: 'POST',
    url: '/api/v1/sso/connections',
    payload: { id, type: 'saml', idp_metadata_url: metadataUrl },
  });
  expect(made.statusCode, made.body).toBe(201);
  const r = await t.call({
    method: 'POST',
    url: `/api/v1/sso/connections/${id}/test`,
    payload: {},
  });
  expect(r.statusCode, r.body).toBe(200);
  return JSON.parse(r.body) as ConnectionTest;
}
