import { generateKeyPairSync } from 'node:crypto';
import { type AddressInfo, createServer as createNetServer, type Socket } from 'node:net';
import { exportJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roleMappingSchema } from '../../src/config/schema.js';
import { entraGroups } from '../../src/groupsync/entra.js';
import { microsoftGraphClient } from '../../src/groupsync/microsoft-graph.js';
import { resolveRole } from '../../src/roles/resolve.js';
import type { EntraGroupLookup, IdentityDraft } from '../../src/sso/oidc/claims.js';
import { isSsoError } from '../../src/sso/oidc/errors.js';
import { oidcRelyingParty, type RelyingParty } from '../../src/sso/oidc/relying-party.js';
import { type FakeGraph, startFakeGraph } from '../support/fake-graph.js';
import { entraAccount, oktaAccount } from '../support/oidc-idp/accounts.js';
import { clientFor, loginAt, RP_BASE, settingsFor } from '../support/oidc-idp/flow.js';
import { signJwt } from '../support/oidc-idp/keys.js';
import { startTestIdp, type TestIdp } from '../support/oidc-idp/server.js';

/**
 * The OIDC core against real oidc-provider IdPs on loopback, Okta-shaped and Entra-shaped, with
 * the real Microsoft Graph client against a loopback Graph for Entra groups.
 */
const TID = '9122040d-6c67-4c5b-b112-36a304b66dad';
const ADMINS_GUID = '07dd8a60-bf6d-4e17-8844-230b77145381';
const EVALS_GUID = '5581e43f-6096-41d4-8ffa-04e560bab39d';
const ALICE_OID = '00000000-0000-0000-66f3-3332eca7ea81';
const OVER_OID = '00000000-0000-0000-0000-00000000b0b0';
const PW = 'correct horse';

const mapping = roleMappingSchema.parse({
  default_role: 'internal_user_viewer',
  rules: [
    { group: 'Gateway-Admins', role: 'proxy_admin' },
    { group: 'Engineers', role: 'internal_user' },
    { claim: 'litellm_roles', equals: 'owner', role: 'proxy_admin' },
  ],
  app_roles: true,
});
const roleOf = (id: IdentityDraft, connection: string) =>
  resolveRole(mapping, { connection, groups: id.groups, claims: id.claims, roles: id.roles }).role;

let okta: TestIdp;
let oktaThin: TestIdp;
let entra: TestIdp;
let graph: FakeGraph;
let clock: number;
let rp: RelyingParty;
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });

beforeAll(async () => {
  const pkjwtJwk = {
    ...(await exportJWK(rsa.publicKey)),
    kid: 'gh-key-1',
    alg: 'RS256',
    use: 'sig',
  };
  okta = await startTestIdp({
    shape: 'okta',
    accounts: [
      oktaAccount({
        username: 'alice@acme.com',
        password: PW,
        sub: '00uALICE',
        groups: ['Everyone', 'Gateway-Admins'],
      }),
      oktaAccount({
        username: 'eve@acme.com',
        password: PW,
        sub: '00uEVE',
        groups: ['Everyone'],
        extra: { litellm_roles: ['owner'] },
      }),
      oktaAccount({
        username: 'dan@acme.com',
        password: PW,
        sub: '00uDAN',
        groups: ['Everyone', 'Engineers'],
      }),
    ],
    clients: [
      clientFor('okta'),
      clientFor('okta-post', { token_endpoint_auth_method: 'client_secret_post' }),
      clientFor('okta-pkjwt', {
        token_endpoint_auth_method: 'private_key_jwt',
        client_secret: undefined,
        jwks: { keys: [pkjwtJwk] },
      }),
    ],
  });
  oktaThin = await startTestIdp({
    shape: 'okta',
    thinIdToken: true,
    accounts: [
      oktaAccount({
        username: 'dan@acme.com',
        password: PW,
        sub: '00uDAN',
        groups: ['Everyone', 'Engineers'],
      }),
    ],
    clients: [clientFor('okta-thin')],
  });
  graph = await startFakeGraph({ tenantId: TID });
  graph.addGroup(ADMINS_GUID, 'Gateway Admins');
  graph.addGroup(EVALS_GUID, 'Evals');
  graph.addMember(ADMINS_GUID, ALICE_OID);
  graph.addMember(EVALS_GUID, OVER_OID);
  graph.addMember(ADMINS_GUID, OVER_OID);
  entra = await startTestIdp({
    shape: 'entra',
    tenantId: TID,
    accounts: [],
    clients: [clientFor('entra')],
  });
  entra.addAccount(
    entraAccount({
      username: 'alice@contoso.com',
      password: PW,
      tid: TID,
      oid: ALICE_OID,
      roles: ['proxy_admin'],
      groups: [ADMINS_GUID],
    }),
  );
  entra.addAccount(
    entraAccount({
      username: 'bob@contoso.com',
      password: PW,
      tid: TID,
      oid: OVER_OID,
      email: 'bob@contoso.com',
      overage: { kind: 'claim_sources', endpoint: entra.trapUrl(OVER_OID) },
    }),
  );
  clock = Date.now();
  rp = oidcRelyingParty({ now: () => clock, timeoutMs: 5000 });
});

afterAll(async () => {
  await Promise.all([okta?.close(), oktaThin?.close(), entra?.close(), graph?.close()]);
});

/** The wiring the lead does: Entra groups through the existing Graph client. */
const graphLookup: EntraGroupLookup = async (q) => {
  const client = microsoftGraphClient(
    {
      base_url: graph.baseUrl,
      authority_host: graph.authorityHost,
      tenant_id: q.tenantId,
      client_id: graph.clientId,
      client_secret: graph.clientSecret,
    },
    { sleep: async () => {} },
  );
  try {
    return await entraGroups(client, {
      oid: q.objectId,
      tokenGroupIds: q.tokenGroupIds,
      needAssigned: false,
    });
  } finally {
    await client.close();
  }
};

describe('Okta-shaped IdP', () => {
  it('Okta user with groups: subject is sub, groups are names, email verified, role from the mapping', async () => {
    const s = settingsFor(okta, 'okta');
    const r = await (await loginAt(rp, s, { username: 'alice@acme.com', password: PW })).finish();
    expect(r.identity).toMatchObject({
      subject: '00uALICE',
      email: 'alice@acme.com',
      emailVerified: true,
      userName: 'alice@acme.com',
      displayName: 'alice@acme.com',
      groups: [
        { id: null, name: 'Everyone' },
        { id: null, name: 'Gateway-Admins' },
      ],
      groupsComplete: true,
    });
    expect(roleOf(r.identity, 'okta')).toBe('proxy_admin');
    expect(r.problems).toEqual([]);
    expect(r.idToken.split('.')).toHaveLength(3);
  });

  it('Okta custom claim litellm_roles=owner → proxy_admin', async () => {
    const s = settingsFor(okta, 'okta');
    const r = await (await loginAt(rp, s, { username: 'eve@acme.com', password: PW })).finish();
    expect(r.identity.claims.litellm_roles).toEqual(['owner']);
    expect(roleOf(r.identity, 'okta')).toBe('proxy_admin');
  });

  it('thin id_token: groups and email come from userinfo', async () => {
    const s = settingsFor(oktaThin, 'okta-thin');
    const before = oktaThin.counts.userinfo;
    const r = await (await loginAt(rp, s, { username: 'dan@acme.com', password: PW })).finish();
    expect(oktaThin.counts.userinfo).toBe(before + 1);
    expect(r.identity.groups.map((g) => g.name)).toEqual(['Everyone', 'Engineers']);
    expect(r.identity.email).toBe('dan@acme.com');
    expect(r.identity.groupsComplete).toBe(true);
    expect(roleOf(r.identity, 'okta-thin')).toBe('internal_user');
  });

  it('a fat id_token needs no userinfo call', async () => {
    const s = settingsFor(okta, 'okta');
    const before = okta.counts.userinfo;
    await (await loginAt(rp, s, { username: 'dan@acme.com', password: PW })).finish();
    expect(okta.counts.userinfo).toBe(before);
  });

  it('client_secret_post and private_key_jwt authenticate at the token endpoint', async () => {
    const post = settingsFor(okta, 'okta-post', { token_auth: 'client_secret_post' });
    expect(
      (await (await loginAt(rp, post, { username: 'dan@acme.com', password: PW })).finish())
        .identity.subject,
    ).toBe('00uDAN');
    const pem = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const pk = settingsFor(okta, 'okta-pkjwt', {
      token_auth: 'private_key_jwt',
      client_secret: undefined,
      private_key: pem,
      private_key_id: 'gh-key-1',
    });
    expect(
      (await (await loginAt(rp, pk, { username: 'dan@acme.com', password: PW })).finish()).identity
        .subject,
    ).toBe('00uDAN');
  });

  it('the authorization request carries code, PKCE S256, state, nonce, scopes and allowed hints', async () => {
    const s = settingsFor(okta, 'okta');
    const { url, login } = await rp.start(s, {
      redirectUri: `${RP_BASE}/sso/okta/callback`,
      prompt: 'login',
      loginHint: 'alice@acme.com',
    });
    const q = new URL(url).searchParams;
    expect(url.startsWith(`${okta.issuer}/auth?`)).toBe(true);
    expect(q.get('response_type')).toBe('code');
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('code_challenge')).not.toBe(login.codeVerifier);
    expect(q.get('state')).toBe(login.state);
    expect(q.get('nonce')).toBe(login.nonce);
    expect(q.get('scope')).toBe('openid profile email groups');
    expect(q.get('prompt')).toBe('login');
    expect(q.get('login_hint')).toBe('alice@acme.com');
    const odd = new URL(
      (await rp.start(s, { redirectUri: `${RP_BASE}/x`, prompt: 'evil', loginHint: 'a\nb' })).url,
    );
    expect(odd.searchParams.has('prompt')).toBe(false);
    expect(odd.searchParams.has('login_hint')).toBe(false);
  });

  it('RP-initiated logout URL from end_session_endpoint', async () => {
    const s = settingsFor(okta, 'okta');
    const r = await (await loginAt(rp, s, { username: 'dan@acme.com', password: PW })).finish();
    const url = new URL(
      (await rp.logoutUrl(s, {
        idTokenHint: r.idToken,
        postLogoutRedirectUri: `${RP_BASE}/ui/`,
      })) ?? '',
    );
    expect(`${url.origin}${url.pathname}`).toBe(`${okta.issuer}/session/end`);
    expect(url.searchParams.get('id_token_hint')).toBe(r.idToken);
    expect(url.searchParams.get('post_logout_redirect_uri')).toBe(`${RP_BASE}/ui/`);
    expect(url.searchParams.get('client_id')).toBe('client-okta');
  });
});

describe('Entra-shaped IdP', () => {
  it('Entra app role proxy_admin → proxy_admin; subject is {tid}:{oid}; UPN for display only', async () => {
    const s = settingsFor(entra, 'entra');
    const r = await (
      await loginAt(rp, s, { username: 'alice@contoso.com', password: PW })
    ).finish();
    expect(r.identity).toMatchObject({
      subject: `${TID}:${ALICE_OID}`,
      email: null,
      emailVerified: false,
      userName: 'alice@contoso.com',
      roles: ['proxy_admin'],
    });
    expect(roleOf(r.identity, 'entra')).toBe('proxy_admin');
  });

  it('Entra group GUIDs: ids from the token, names from Graph', async () => {
    const s = settingsFor(entra, 'entra');
    const r = await (
      await loginAt(
        rp,
        s,
        { username: 'alice@contoso.com', password: PW },
        { entraGroups: graphLookup },
      )
    ).finish();
    expect(r.identity.groups).toEqual([{ id: ADMINS_GUID, name: 'Gateway Admins' }]);
    expect(r.identity.groupsComplete).toBe(true);
  });

  it('Entra group GUIDs without a Graph lookup: ids only, still complete', async () => {
    const s = settingsFor(entra, 'entra');
    const r = await (
      await loginAt(rp, s, { username: 'alice@contoso.com', password: PW })
    ).finish();
    expect(r.identity.groups).toEqual([{ id: ADMINS_GUID, name: null }]);
  });

  it('overage: groups come from Graph via the function the caller provides, keyed by tid and oid', async () => {
    const s = settingsFor(entra, 'entra');
    const asked: unknown[] = [];
    const lookup: EntraGroupLookup = async (q) => {
      asked.push(q);
      return graphLookup(q);
    };
    const r = await (
      await loginAt(rp, s, { username: 'bob@contoso.com', password: PW }, { entraGroups: lookup })
    ).finish();
    expect(asked).toEqual([{ tenantId: TID, objectId: OVER_OID, tokenGroupIds: null }]);
    expect(new Set(r.identity.groups.map((g) => g.id))).toEqual(new Set([ADMINS_GUID, EVALS_GUID]));
    expect(r.identity.groupsComplete).toBe(true);
    expect(r.identity.claims._claim_sources).toBeUndefined();
    expect(entra.counts.trap).toBe(0);
  });

  it('overage without a Graph lookup: no groups, marked incomplete (no privilege from a guess)', async () => {
    const s = settingsFor(entra, 'entra');
    const r = await (await loginAt(rp, s, { username: 'bob@contoso.com', password: PW })).finish();
    expect(r.identity.groups).toEqual([]);
    expect(r.identity.groupsComplete).toBe(false);
  });

  it('overage when Graph fails: incomplete, the failure is reported', async () => {
    const s = settingsFor(entra, 'entra');
    const r = await (
      await loginAt(
        rp,
        s,
        { username: 'bob@contoso.com', password: PW },
        {
          entraGroups: async () => {
            throw new Error('Graph is down');
          },
        },
      )
    ).finish();
    expect(r.identity.groupsComplete).toBe(false);
    expect(r.problems).toEqual(['Graph group lookup failed: Graph is down']);
  });
});

describe('several connections', () => {
  it('two IdPs side by side on one relying party', async () => {
    const a = settingsFor(okta, 'okta');
    const b = settingsFor(entra, 'entra');
    const [ra, rb] = await Promise.all([
      loginAt(rp, a, { username: 'alice@acme.com', password: PW }).then((l) => l.finish()),
      loginAt(rp, b, { username: 'alice@contoso.com', password: PW }).then((l) => l.finish()),
    ]);
    expect(ra.identity.subject).toBe('00uALICE');
    expect(rb.identity.subject).toBe(`${TID}:${ALICE_OID}`);
  });

  it('an IdP that is down fails only its own connection, says why, and recovers', async () => {
    const own = oidcRelyingParty({ now: () => clock, timeoutMs: 2000, discoveryRetryMs: 30_000 });
    const down = await startTestIdp({
      shape: 'okta',
      accounts: [oktaAccount({ username: 'x@acme.com', password: PW, sub: '00uX' })],
      clients: [clientFor('flaky')],
    });
    try {
      down.down = true;
      const s = settingsFor(down, 'flaky');
      const err = await own
        .start(s, { redirectUri: `${RP_BASE}/sso/flaky/callback` })
        .catch((e: unknown) => e);
      expect(isSsoError(err) && err.reason).toBe('idp_unavailable');
      expect(own.health('flaky').failure).toMatch(/HTTP 503/);
      // Other connections are untouched.
      await (
        await loginAt(own, settingsFor(okta, 'okta'), { username: 'dan@acme.com', password: PW })
      ).finish();
      // Within the retry pause nobody hammers the IdP; after it, the IdP is asked again.
      down.down = false;
      const asked = down.counts.discovery;
      await own.start(s, { redirectUri: `${RP_BASE}/sso/flaky/callback` }).catch(() => undefined);
      expect(down.counts.discovery).toBe(asked);
      clock += 30_000;
      const r = await (await loginAt(own, s, { username: 'x@acme.com', password: PW })).finish();
      expect(r.identity.subject).toBe('00uX');
      expect(own.health('flaky').failure).toBeNull();
    } finally {
      await down.close();
    }
  });

  it('an IdP that accepts connections but never answers is given up on after the timeout', async () => {
    const sockets: Socket[] = [];
    const hung = createNetServer((sock) => {
      sockets.push(sock);
    });
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    const port = (hung.address() as AddressInfo).port;
    try {
      const own = oidcRelyingParty({ timeoutMs: 300 });
      const s = settingsFor(okta, 'hung', { issuer: `http://127.0.0.1:${port}/oauth2/default` });
      const started = Date.now();
      const err = await own
        .start(s, { redirectUri: `${RP_BASE}/sso/hung/callback` })
        .catch((e: unknown) => e);
      expect(isSsoError(err) && err.reason).toBe('idp_unavailable');
      expect(own.health('hung').failure).toContain('timed out');
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      for (const sock of sockets) sock.destroy();
      await new Promise<void>((resolve) => hung.close(() => resolve()));
    }
  });

  it('discovery and keys are fetched on first use, cached, and refreshed after their lifetime', async () => {
    const own = oidcRelyingParty({
      now: () => clock,
      discoveryRefreshMs: 3_600_000,
      jwksMaxAgeMs: 600_000,
    });
    const idp = await startTestIdp({
      shape: 'okta',
      accounts: [oktaAccount({ username: 'x@acme.com', password: PW, sub: '00uX' })],
      clients: [clientFor('cached')],
    });
    try {
      const s = settingsFor(idp, 'cached');
      expect(idp.counts.discovery).toBe(0);
      await (await loginAt(own, s, { username: 'x@acme.com', password: PW })).finish();
      await (await loginAt(own, s, { username: 'x@acme.com', password: PW })).finish();
      expect([idp.counts.discovery, idp.counts.jwks]).toEqual([1, 1]);
      clock += 600_000;
      await (await loginAt(own, s, { username: 'x@acme.com', password: PW })).finish();
      expect([idp.counts.discovery, idp.counts.jwks]).toEqual([1, 2]);
      clock += 3_000_000;
      await (await loginAt(own, s, { username: 'x@acme.com', password: PW })).finish();
      expect(idp.counts.discovery).toBe(2);
    } finally {
      await idp.close();
    }
  });
});

describe('key rotation', () => {
  it('a token under a new kid is accepted once the keys are refetched, at most once per cool-down', async () => {
    const own = oidcRelyingParty({ now: () => clock, jwksCooldownMs: 30_000 });
    const idp = await startTestIdp({
      shape: 'okta',
      accounts: [oktaAccount({ username: 'x@acme.com', password: PW, sub: '00uX' })],
      clients: [clientFor('rotating')],
    });
    try {
      const s = settingsFor(idp, 'rotating');
      await (await loginAt(own, s, { username: 'x@acme.com', password: PW })).finish();
      // The IdP rotates: new tokens are signed with a key its JWKS starts publishing now.
      idp.forgeIdToken = ({ real }) => signJwt(real, idp.rogueKey);
      idp.extraJwks = [idp.rogueKey.publicJwk];
      const early = await (await loginAt(own, s, { username: 'x@acme.com', password: PW }))
        .finish()
        .catch((e: unknown) => e);
      expect(isSsoError(early) && early.reason).toBe('id_token_signature');
      const fetches = idp.counts.jwks;
      clock += 30_000;
      const r = await (await loginAt(own, s, { username: 'x@acme.com', password: PW })).finish();
      expect(r.identity.subject).toBe('00uX');
      expect(idp.counts.jwks).toBe(fetches + 1);
    } finally {
      await idp.close();
    }
  });
});

describe('Test connection', () => {
  it('a good connection: every check ok, with the redirect URI to register', async () => {
    const s = settingsFor(okta, 'okta', { claims: { roles: 'litellm_roles' } });
    const checks = await rp.test(s, {
      publicUrl: 'https://gw.acme.com',
      callbackPath: '/sso/okta/callback',
    });
    expect(checks.filter((c) => c.status !== 'ok')).toEqual([]);
    expect(checks.find((c) => c.check === 'redirect_uri')?.message).toContain(
      'https://gw.acme.com/sso/okta/callback',
    );
    expect(checks.map((c) => c.check)).toEqual(
      expect.arrayContaining([
        'discovery',
        'id_token_alg',
        'token_auth',
        'jwks',
        'scopes',
        'claims',
        'logout',
      ]),
    );
  });

  it('names what is wrong: no public URL, wrong alg, missing scope, unknown claim, no secret', async () => {
    const s = settingsFor(okta, 'okta', {
      id_token_alg: 'ES256',
      scopes: ['openid', 'profile'],
      claims: { groups: 'okta_groups' },
      client_secret: undefined,
    });
    const checks = await rp.test(s, { publicUrl: null, callbackPath: '/sso/okta/callback' });
    const by = (name: string) => checks.filter((c) => c.check === name).map((c) => c.status);
    expect(by('redirect_uri')).toEqual(['error']);
    expect(by('credentials')).toEqual(['error']);
    expect(by('discovery')).toEqual(['error']);
  });

  it('with discovery working: alg, scopes and claim names are checked', async () => {
    const s = settingsFor(okta, 'okta-alg', {
      id_token_alg: 'ES256',
      scopes: ['openid', 'profile'],
      claims: { groups: 'okta_groups' },
    });
    const checks = await rp.test(s, {
      publicUrl: 'http://gw.acme.com',
      callbackPath: '/sso/okta-alg/callback',
    });
    const by = (name: string) => checks.filter((c) => c.check === name).map((c) => c.status);
    expect(by('redirect_uri')).toEqual(['warning']);
    expect(by('id_token_alg')).toEqual(['error']);
    expect(by('scopes')).toEqual(['warning']);
    // The harness lists neither okta_groups nor roles in claims_supported.
    expect(checks.filter((c) => c.check === 'claims').map((c) => c.message)).toEqual([
      'The IdP does not list the groups claim "okta_groups" in claims_supported; check the claim name.',
      'The IdP does not list the roles claim "roles" in claims_supported; check the claim name.',
    ]);
  });

  it('an IdP that is down: discovery error with the reason', async () => {
    const idp = await startTestIdp({ shape: 'okta', accounts: [], clients: [] });
    idp.down = true;
    try {
      const checks = await rp.test(settingsFor(idp, 'down'), {
        publicUrl: 'https://gw.acme.com',
        callbackPath: '/sso/down/callback',
      });
      const d = checks.find((c) => c.check === 'discovery');
      expect(d?.status).toBe('error');
      expect(d?.message).toContain('HTTP 503');
    } finally {
      await idp.close();
    }
  });
});
