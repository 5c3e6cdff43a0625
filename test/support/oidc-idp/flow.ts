import { oidcConnectionSchema } from '../../../src/config/connection-schema.js';
import type { EntraGroupLookup } from '../../../src/sso/oidc/claims.js';
import type {
  FinishResult,
  OidcLoginSecrets,
  RelyingParty,
} from '../../../src/sso/oidc/relying-party.js';
import { type OidcSettings, oidcSettings } from '../../../src/sso/oidc/settings.js';
import { TestBrowser } from './browser.js';
import type { TestIdp } from './server.js';

/** Where Gatehouse would sit; nothing listens there, the browser driver stops before it. */
export const RP_BASE = 'http://127.0.0.1:4000';
export const redirectUriFor = (connection: string) => `${RP_BASE}/sso/${connection}/callback`;

export const CLIENT_SECRET = 'gatehouse-test-client-secret';

/** Connection settings for a test IdP, through the real config schema. */
export function settingsFor(
  idp: TestIdp,
  id: string,
  extra: Record<string, unknown> = {},
): OidcSettings {
  return oidcSettings(
    oidcConnectionSchema.parse({
      id,
      type: 'oidc',
      issuer: idp.issuer,
      client_id: `client-${id}`,
      client_secret: CLIENT_SECRET,
      provider: idp.tenantId ? 'entra' : 'okta',
      scopes: idp.tenantId
        ? ['openid', 'profile', 'email']
        : ['openid', 'profile', 'email', 'groups'],
      ...extra,
    }),
  );
}

export function clientFor(id: string, extra: Record<string, unknown> = {}) {
  return {
    client_id: `client-${id}`,
    client_secret: CLIENT_SECRET,
    redirect_uris: [redirectUriFor(id)],
    post_logout_redirect_uris: [`${RP_BASE}/ui/`],
    ...extra,
  };
}

export interface StartedLogin {
  login: OidcLoginSecrets;
  callback: URL;
  redirectUri: string;
  finish(override?: {
    login?: OidcLoginSecrets;
    params?: URLSearchParams;
    entraGroups?: EntraGroupLookup | null;
  }): Promise<FinishResult>;
}

/** Starts a login, plays the browser through the IdP, and offers the callback to finish. */
export async function loginAt(
  rp: RelyingParty,
  settings: OidcSettings,
  credentials: { username: string; password: string },
  opts: { entraGroups?: EntraGroupLookup | null; browser?: TestBrowser } = {},
): Promise<StartedLogin> {
  const redirectUri = redirectUriFor(settings.id);
  const { url, login } = await rp.start(settings, { redirectUri });
  const callback = await (opts.browser ?? new TestBrowser()).signIn(url, credentials, redirectUri);
  return {
    login,
    callback,
    redirectUri,
    finish: (o = {}) =>
      rp.finish(settings, {
        callbackParams: o.params ?? callback.searchParams,
        redirectUri,
        login: o.login ?? login,
        entraGroups: o.entraGroups !== undefined ? o.entraGroups : (opts.entraGroups ?? null),
      }),
  };
}
