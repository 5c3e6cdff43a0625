import { createSecretKey } from 'node:crypto';
import { type JWTPayload, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/db.js';
import { expectStatus } from '../support/json.js';
import { entraAccount, oktaAccount } from '../support/oidc-idp/accounts.js';
import { TestBrowser } from '../support/oidc-idp/browser.js';
import { CLIENT_SECRET, clientFor, RP_BASE } from '../support/oidc-idp/flow.js';
import {
  type CallbackAnswer,
  type SsoTestApp,
  signInThrough,
  ssoTestApp,
} from '../support/oidc-idp/gatehouse.js';
import { signJwt, unsignedJwt } from '../support/oidc-idp/keys.js';
import { startTestIdp, type TestIdp } from '../support/oidc-idp/server.js';

/**
 * Attacks on OIDC sign-in through Gatehouse's real routes: a real login at oidc-provider, then
 * the attacker's change — a tampered callback, a callback delivered to another browser, or a
 * forged id_token handed out by the IdP's token endpoint. Each must end on the error page with
 * no session cookie, and leave an `auth.login_failed` audit event whose reference is the one
 * the page shows.
 */
const TID = '9122040d-6c67-4c5b-b112-36a304b66dad';
const OTHER_TID = 'ffffffff-6c67-4c5b-b112-36a304b66dad';
const OID = '00000000-0000-0000-66f3-3332eca7ea81';
const BOB_OID = '00000000-0000-0000-0000-00000000b0b0';
const PW = 'correct horse';
const alice = { username: 'alice@acme.com', password: PW };
const abe = { username: 'abe@contoso.com', password: PW };

let okta: TestIdp;
let entra: TestIdp;
let entraB: TestIdp;

beforeAll(async () => {
  okta = await startTestIdp({
    shape: 'okta',
    accounts: [
      oktaAccount({ ...alice, sub: '00uALICE', groups: ['Everyone'] }),
      oktaAccount({ username: 'admin@acme.com', password: PW, sub: '00uIMPOSTER' }),
      oktaAccount({ username: 'new@acme.com', password: PW, sub: '00uNEW' }),
    ],
    clients: [clientFor('okta'), clientFor('okta-nojit')],
  });
  entra = await startTestIdp({
    shape: 'entra',
    tenantId: TID,
    accounts: [],
    clients: [clientFor('entra'), clientFor('entra-pinned')],
  });
  entra.addAccount(entraAccount({ ...abe, tid: TID, oid: OID, sub: 'same-sub' }));
  entra.addAccount(
    entraAccount({
      username: 'bob@contoso.com',
      password: PW,
      tid: TID,
      oid: BOB_OID,
      overage: { kind: 'claim_sources', endpoint: entra.trapUrl(BOB_OID) },
    }),
  );
  entraB = await startTestIdp({
    shape: 'entra',
    tenantId: OTHER_TID,
    accounts: [],
    clients: [clientFor('entra-b')],
  });
  entraB.addAccount(
    entraAccount({
      username: 'abe@fabrikam.com',
      password: PW,
      tid: OTHER_TID,
      oid: OID,
      sub: 'same-sub',
    }),
  );
});

afterAll(async () => {
  await Promise.all([okta?.close(), entra?.close(), entraB?.close()]);
});

afterEach(() => {
  for (const idp of [okta, entra, entraB]) idp.forgeIdToken = null;
});

function config() {
  const oidc = (idp: TestIdp, id: string, extra: Record<string, unknown> = {}) => ({
    id,
    type: 'oidc',
    provider: idp.tenantId ? 'entra' : 'okta',
    issuer: idp.issuer,
    client_id: `client-${id}`,
    client_secret: CLIENT_SECRET,
    scopes: ['openid', 'profile', 'email', ...(idp.tenantId ? [] : ['groups'])],
    ...extra,
  });
  return {
    sso: {
      connections: [
        oidc(okta, 'okta'),
        oidc(okta, 'okta-nojit', { jit: false }),
        oidc(entra, 'entra'),
        oidc(entra, 'entra-pinned', { allowed_tenants: [OTHER_TID] }),
        oidc(entraB, 'entra-b'),
      ],
    },
  };
}

const now = () => Math.floor(Date.now() / 1000);

describe.each(dialects())('attacks on OIDC sign-in through HTTP (%s)', (dialect) => {
  let t: SsoTestApp;
  beforeAll(async () => {
    t = await ssoTestApp(dialect, config());
  });
  afterAll(async () => t?.close());

  /** The refusal: the error page, no session cookie, and its audit event (returned). */
  async function refused(r: CallbackAnswer, status = 400) {
    expect(r.status, r.body.slice(0, 300)).toBe(status);
    expect(r.session).toBeNull();
    expect(r.body).toContain('<h1>Sign-in failed</h1>');
    const reference = /class="ref">([0-9A-F-]{14})</.exec(r.body)?.[1];
    expect(reference).toBeDefined();
    const events = await t.db.kysely
      .selectFrom('audit_events')
      .select(['action', 'actor_type', 'actor_id', 'after'])
      .where('action', '=', 'auth.login_failed')
      .execute();
    const event = events.find((e) => e.after?.includes(`"reference":"${reference}"`));
    expect(event, `no audit event with reference ${reference}`).toBeDefined();
    const after = JSON.parse(event?.after ?? '{}') as { reason: string; method: string };
    return { reason: after.reason, method: after.method, body: r.body };
  }

  const withParams = (edit: (p: URLSearchParams) => void) => (cb: URL) => {
    const u = new URL(cb);
    edit(u.searchParams);
    return u;
  };

  async function forged(forge: (real: JWTPayload) => Promise<string>) {
    okta.forgeIdToken = ({ real }) => forge(real);
    return refused(await signInThrough(t, '/sso/okta/login', alice));
  }

  it('wrong state', async () => {
    const r = await signInThrough(t, '/sso/okta/login', alice, {
      tamper: withParams((p) => p.set('state', 'attacker-state')),
    });
    expect((await refused(r)).reason).toBe('state_mismatch');
  });

  it('missing state', async () => {
    const r = await signInThrough(t, '/sso/okta/login', alice, {
      tamper: withParams((p) => p.delete('state')),
    });
    expect((await refused(r)).reason).toBe('state_mismatch');
  });

  it('wrong nonce: an id_token minted for another sign-in', async () => {
    expect((await forged((real) => okta.sign({ ...real, nonce: 'another-login' }))).reason).toBe(
      'nonce_mismatch',
    );
  });

  it('wrong PKCE verifier: a code from another sign-in injected with this browser’s state', async () => {
    const victim = new TestBrowser();
    const start = await victim.request(t.at('/sso/okta/login'));
    const victimState = new URL(start.headers.get('location') ?? '').searchParams.get('state');
    const r = await signInThrough(t, '/sso/okta/login', alice, {
      tamper: withParams((p) => p.set('state', victimState ?? '')),
      callbackBrowser: victim,
    });
    expect((await refused(r)).reason).toBe('code_rejected');
  });

  it('code replay: the same callback delivered twice is refused the second time, the IdP asked once', async () => {
    const first = await signInThrough(t, '/sso/okta/login', alice);
    expect(first.status).toBe(302);
    const tokens = okta.counts.token;
    const again = await first.browser.request(t.at(first.callback));
    const r = await refused({
      callback: first.callback,
      status: again.status,
      location: null,
      body: await again.text(),
      cookies: new Map(),
      session: again.headers.getSetCookie().some((c) => /^gh_session=[^;]/.test(c)) ? 'set' : null,
    });
    expect(r.reason).toBe('login_state_missing');
    expect(okta.counts.token).toBe(tokens);
  });

  it('wrong iss parameter (mix-up): a callback claiming another IdP', async () => {
    const r = await signInThrough(t, '/sso/okta/login', alice, {
      tamper: withParams((p) => p.set('iss', entra.issuer)),
    });
    expect((await refused(r)).reason).toBe('iss_mismatch');
  });

  it('alg:none', async () => {
    expect((await forged(async (real) => unsignedJwt(real))).reason).toBe('id_token_alg');
  });

  it('HS256 keyed with the IdP’s public key', async () => {
    const r = await forged((real) =>
      new SignJWT(real)
        .setProtectedHeader({ alg: 'HS256', kid: okta.signingKey.kid })
        .sign(createSecretKey(Buffer.from(String(okta.signingKey.publicJwk.n)))),
    );
    expect(r.reason).toBe('id_token_alg');
  });

  it('wrong aud', async () => {
    expect((await forged((real) => okta.sign({ ...real, aud: 'another-app' }))).reason).toBe(
      'id_token_audience',
    );
  });

  it('wrong iss in the id_token', async () => {
    expect((await forged((real) => okta.sign({ ...real, iss: entra.issuer }))).reason).toBe(
      'id_token_issuer',
    );
  });

  it('expired beyond the clock tolerance', async () => {
    const r = await forged((real) => okta.sign({ ...real, iat: now() - 900, exp: now() - 300 }));
    expect(r.reason).toBe('id_token_expired');
  });

  it('not yet valid beyond the clock tolerance', async () => {
    const r = await forged((real) =>
      okta.sign({ ...real, iat: now() + 600, nbf: now() + 600, exp: now() + 4200 }),
    );
    expect(r.reason).toBe('id_token_not_yet_valid');
  });

  it('signed by a key the IdP never published', async () => {
    expect((await forged((real) => signJwt(real, okta.rogueKey))).reason).toBe(
      'id_token_signature',
    );
  });

  it('Entra tenant not allowed', async () => {
    const r = await signInThrough(t, '/sso/entra-pinned/login', abe);
    expect((await refused(r)).reason).toBe('tenant_not_allowed');
  });

  it('overage _claim_sources pointing elsewhere: never called, nothing taken from it', async () => {
    const trap = entra.counts.trap;
    // No Graph access on this connection: the groups stay unknown rather than being fetched
    // from the URL the token names (which would answer a group id).
    const r = await signInThrough(t, '/sso/entra/login', {
      username: 'bob@contoso.com',
      password: PW,
    });
    expect(r.status).toBe(302);
    expect(entra.counts.trap).toBe(trap);
    const teams = await t.db.kysely.selectFrom('teams').select('id').execute();
    expect(teams.map((x) => x.id)).not.toContain('ffffffff-ffff-ffff-ffff-ffffffffffff');
  });

  it('same sub in two tenants: two people, not one', async () => {
    const a = await signInThrough(t, '/sso/entra/login', abe);
    const b = await signInThrough(t, '/sso/entra-b/login', {
      username: 'abe@fabrikam.com',
      password: PW,
    });
    const whoami = async (x: typeof a) =>
      ((await (await x.browser.request(t.at('/api/v1/me'))).json()) as { user: { id: string } })
        .user.id;
    const [ua, ub] = [await whoami(a), await whoami(b)];
    expect(ua).not.toBe(ub);
    const subjects = await t.db.kysely
      .selectFrom('identities')
      .select(['connection_id', 'subject'])
      .where('user_id', 'in', [ua, ub])
      .orderBy('connection_id')
      .execute();
    expect(subjects).toEqual([
      { connection_id: 'entra', subject: `${TID}:${OID}` },
      { connection_id: 'entra-b', subject: `${OTHER_TID}:${OID}` },
    ]);
  });

  it('an id_token email equal to an existing local admin: no silent merge, refused', async () => {
    expectStatus(
      await t.call({
        method: 'POST',
        url: '/api/v1/users',
        payload: { email: 'admin@acme.com', role: 'proxy_admin', password: 'local admin password' },
      }),
      201,
    );
    const r = await signInThrough(t, '/sso/okta/login', {
      username: 'admin@acme.com',
      password: PW,
    });
    const got = await refused(r, 409);
    expect(got.method).toBe('sso:okta');
    expect(got.body).toContain('already exists and is not linked');
    const linked = await t.db.kysely
      .selectFrom('identities')
      .select('user_id')
      .where('subject', '=', '00uIMPOSTER')
      .execute();
    expect(linked).toEqual([]);
  });

  it('jit off: a person Gatehouse does not know is refused with a clear message', async () => {
    const r = await signInThrough(t, '/sso/okta-nojit/login', {
      username: 'new@acme.com',
      password: PW,
    });
    expect((await refused(r, 403)).body).toContain('has not been provisioned');
  });

  it('return_to to another origin, //evil or a backslash trick lands on /ui/ instead', async () => {
    for (const target of [
      'https://evil.example/ui/',
      '//evil.example/ui/',
      '/\\evil.example',
      '/ui/../../x',
    ]) {
      const r = await signInThrough(
        t,
        `/sso/okta/login?return_to=${encodeURIComponent(target)}`,
        alice,
      );
      expect([r.status, r.location]).toEqual([302, '/ui/']);
    }
    const ok = await signInThrough(t, '/sso/okta/login?return_to=%2Fui%2Fkeys%3Fpage%3D2', alice);
    expect(ok.location).toBe('/ui/keys?page=2');
  });

  it('callback finished in another browser (without the login cookie)', async () => {
    const r = await signInThrough(t, '/sso/okta/login', alice, {
      callbackBrowser: new TestBrowser(),
    });
    expect((await refused(r)).reason).toBe('login_state_missing');
  });

  it('a login cookie for one connection presented at another’s callback', async () => {
    const r = await signInThrough(t, '/sso/okta/login', alice, {
      tamper: (cb) => new URL(`${RP_BASE}/sso/entra/callback${cb.search}`),
    });
    expect((await refused(r)).reason).toBe('login_state_wrong_connection');
  });
});
