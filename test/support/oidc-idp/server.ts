import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, type JWK, type JWTPayload } from 'jose';
import Provider, { type Configuration } from 'oidc-provider';
import type { TestAccount } from './accounts.js';
import { handleInteraction } from './interactions.js';
import { newTestKey, signJwt, type TestKey } from './keys.js';

/**
 * A real OpenID Provider (panva's oidc-provider, OpenID-certified) on 127.0.0.1, port 0, shaped
 * like Okta (issuer `…/oauth2/default`, group names, optional thin id_token) or Entra (issuer
 * `…/{tid}/v2.0`, oid/tid/roles, group GUIDs, overage claims). The provider is mounted under the
 * issuer's path, as those IdPs are. Tests get hooks to attack the relying party along the real
 * path: the token endpoint can hand out a forged id_token, the published JWKS can be changed,
 * the whole IdP can go down, and calls to the overage trap URL are counted.
 */

export interface TestClient {
  client_id: string;
  client_secret?: string;
  redirect_uris: string[];
  post_logout_redirect_uris?: string[];
  token_endpoint_auth_method?:
    | 'client_secret_basic'
    | 'client_secret_post'
    | 'private_key_jwt'
    | 'none';
  /** Public keys for private_key_jwt. */
  jwks?: { keys: JWK[] };
}

export interface TestIdpOptions {
  shape: 'okta' | 'entra';
  /** Entra: the tenant id in the issuer path (default a fixed GUID). */
  tenantId?: string;
  /** Okta: the code-flow id_token carries no profile, email or groups; userinfo does. */
  thinIdToken?: boolean;
  accounts: TestAccount[];
  clients: TestClient[];
}

export interface TokenHookInput {
  /** The claims of the id_token the provider really issued (nonce, aud, iss, … all correct). */
  real: JWTPayload;
  signingKey: TestKey;
}

export interface TestIdp {
  issuer: string;
  origin: string;
  tenantId: string | null;
  /** Entra: the tenant-independent issuer (`/common/v2.0`), whose document names `{tenantid}`. */
  commonIssuer: string | null;
  /** The key the provider signs with (published in its JWKS). */
  signingKey: TestKey;
  /** A key pair the IdP never publishes, with its own kid. */
  rogueKey: TestKey;
  /** When set, the token endpoint replaces the id_token it issued with what this returns. */
  forgeIdToken: ((input: TokenHookInput) => Promise<string>) | null;
  /** Extra public keys served in the JWKS, after the provider's own. */
  extraJwks: JWK[];
  /** While true every request answers 503 (an IdP outage). */
  down: boolean;
  counts: {
    discovery: number;
    jwks: number;
    token: number;
    userinfo: number;
    loginFailures: number;
    /** Requests to the overage trap (an endpoint no relying party may call). */
    trap: number;
  };
  /** A URL on this IdP, for `_claim_sources`, that counts every request made to it. */
  trapUrl(oid: string): string;
  addAccount(account: TestAccount): void;
  /** Signs claims with the IdP's real key, like a token it issued. */
  sign(payload: JWTPayload, header?: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

export const DEFAULT_TENANT = 'aaaabbbb-0000-cccc-1111-dddd2222eeee';

function claimsConfig(shape: TestIdpOptions['shape']): Configuration['claims'] {
  if (shape === 'okta') {
    return {
      openid: ['sub', 'ver', 'idp'],
      profile: ['name', 'preferred_username', 'litellm_roles'],
      email: ['email', 'email_verified'],
      groups: ['groups'],
    };
  }
  return {
    openid: ['sub', 'ver', 'tid', 'oid', 'roles', 'groups', 'hasgroups'],
    profile: ['name', 'preferred_username'],
    email: ['email'],
  };
}

export async function startTestIdp(opts: TestIdpOptions): Promise<TestIdp> {
  const accounts = new Map(opts.accounts.map((a) => [a.sub, a]));
  const byUsername = () => new Map([...accounts.values()].map((a) => [a.username, a]));
  const signingKey = await newTestKey();
  const rogueKey = await newTestKey();
  let provider: Provider | undefined;
  const tenantId = opts.shape === 'entra' ? (opts.tenantId ?? DEFAULT_TENANT) : null;
  const mount = opts.shape === 'okta' ? '/oauth2/default' : `/${tenantId}/v2.0`;

  const state = {
    forgeIdToken: null as TestIdp['forgeIdToken'],
    extraJwks: [] as JWK[],
    down: false,
    counts: { discovery: 0, jwks: 0, token: 0, userinfo: 0, loginFailures: 0, trap: 0 },
  };

  let originUrl = () => '';
  let issuerUrl = () => '';

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (state.down) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('Service Unavailable');
      return;
    }
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    if (opts.shape === 'entra' && path === '/common/v2.0/.well-known/openid-configuration') {
      // Microsoft's tenant-independent document: the literal {tenantid} issuer, and (like Entra)
      // no RFC 9207 iss parameter.
      state.counts.discovery += 1;
      const own = (await (
        await fetch(`${issuerUrl()}/.well-known/openid-configuration`)
      ).json()) as Record<string, unknown>;
      delete own.authorization_response_iss_parameter_supported;
      own.issuer = `${originUrl()}/{tenantid}/v2.0`;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(own));
      return;
    }
    if (path.startsWith('/trap/')) {
      state.counts.trap += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ value: ['ffffffff-ffff-ffff-ffff-ffffffffffff'] }));
      return;
    }
    if (!provider) throw new Error('provider not started');
    if (
      await handleInteraction(
        {
          provider: () => provider as Provider,
          account: (u) => byUsername().get(u),
          onLoginFailure: () => {
            state.counts.loginFailures += 1;
          },
        },
        req,
        res,
        path,
      )
    ) {
      return;
    }
    if (path === mount || path.startsWith(`${mount}/`)) {
      // Mounted under the issuer path: oidc-provider derives its mount point from originalUrl.
      const original = req.url ?? '/';
      (req as IncomingMessage & { originalUrl?: string }).originalUrl = original;
      req.url = original.slice(mount.length) || '/';
      provider.callback()(req, res);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`test IdP error: ${(e as Error).message}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = `${origin}${mount}`;
  originUrl = () => origin;
  issuerUrl = () => issuer;

  provider = new Provider(issuer, {
    clients: opts.clients.map((c) => ({
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: c.token_endpoint_auth_method ?? 'client_secret_basic',
      ...c,
    })),
    jwks: { keys: [signingKey.privateJwk] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    claims: claimsConfig(opts.shape),
    scopes: opts.shape === 'okta' ? ['openid', 'offline_access', 'groups'] : ['openid'],
    conformIdTokenClaims: opts.thinIdToken === true,
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true },
      userinfo: { enabled: true },
    },
    ttl: { AccessToken: 3600, IdToken: 3600, Interaction: 600, Session: 3600, Grant: 3600 },
    // Modern IdPs require PKCE from every client; so does this one.
    pkce: { required: () => true },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx, sub) {
      const a = accounts.get(sub);
      if (!a) return undefined;
      return { accountId: sub, claims: () => ({ sub, ...a.claims }) };
    },
  });
  // The provider refuses http issuers only behind proxies; on loopback it is fine.
  provider.on('server_error', (_ctx, err) => {
    process.stderr.write(`test IdP server_error: ${err.stack ?? err.message}\n`);
  });
  provider.use(async (ctx, next) => {
    if (ctx.path === '/.well-known/openid-configuration') state.counts.discovery += 1;
    if (ctx.path === '/jwks') state.counts.jwks += 1;
    if (ctx.path === '/token') state.counts.token += 1;
    if (ctx.path === '/me') state.counts.userinfo += 1;
    await next();
    if (ctx.path === '/jwks' && state.extraJwks.length > 0) {
      const body = ctx.body as { keys: JWK[] };
      ctx.body = { keys: [...body.keys, ...state.extraJwks] };
    }
    const body = ctx.body as { id_token?: unknown } | undefined;
    if (ctx.path === '/token' && state.forgeIdToken && typeof body?.id_token === 'string') {
      const real = decodeJwt(body.id_token);
      ctx.body = { ...body, id_token: await state.forgeIdToken({ real, signingKey }) };
    }
  });

  return {
    issuer,
    origin,
    tenantId,
    commonIssuer: opts.shape === 'entra' ? `${origin}/common/v2.0` : null,
    signingKey,
    rogueKey,
    get forgeIdToken() {
      return state.forgeIdToken;
    },
    set forgeIdToken(f) {
      state.forgeIdToken = f;
    },
    get extraJwks() {
      return state.extraJwks;
    },
    set extraJwks(keys) {
      state.extraJwks = keys;
    },
    get down() {
      return state.down;
    },
    set down(d) {
      state.down = d;
    },
    counts: state.counts,
    trapUrl: (oid) => `${origin}/trap/v1.0/users/${oid}/getMemberObjects`,
    addAccount(a) {
      accounts.set(a.sub, a);
    },
    sign: (payload, header) => signJwt(payload, signingKey, header),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
