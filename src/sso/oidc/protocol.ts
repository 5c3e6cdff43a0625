import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ConnectionConfig } from '../../config/schema.js';
import type { RegisteredConnection } from '../../provisioning/connections.js';
import type { SsoProtocol } from '../protocol.js';
import { safeReturnTo } from '../return-to.js';
import { loginOptions, SSO_PAGE } from '../route-config.js';
import type { SignInKit } from '../sign-in.js';
import { type CallbackRoute, LITELLM_CALLBACK, LITELLM_LOGIN, type SsoUrls } from '../urls.js';
import type { EntraGroupLookup } from './claims.js';
import { SsoError } from './errors.js';
import type { RelyingParty } from './relying-party.js';
import { type OidcConnectionConfig, type OidcSettings, oidcSettings } from './settings.js';

export interface OidcProtocolDeps {
  /** One per process: it caches discovery documents and keys. */
  rp: RelyingParty;
  urls: SsoUrls;
  /** Whether GATEHOUSE_PUBLIC_URL (or PROXY_BASE_URL) is set; Test connection says so if not. */
  publicUrlConfigured: boolean;
  /** Entra groups through Microsoft Graph for a connection, or null when it has no Graph access. */
  entraGroupsFor(c: ConnectionConfig): EntraGroupLookup | null;
  /** The connection LiteLLM's `/sso/key/generate` and `/sso/callback` belong to, if any. */
  litellmConnection: string | null;
}

/** Where a signed-out person lands after the IdP's logout (register it at the IdP). */
export const POST_LOGOUT_PATH = '/ui/';

function oidcConfig(c: RegisteredConnection): OidcConnectionConfig {
  if (c.config.type !== 'oidc')
    throw new SsoError('protocol_unsupported', 'not an OIDC connection');
  return c.config;
}

/** OIDC sign-in: the authorization code flow with PKCE, state and nonce, through the RP core. */
export function oidcProtocol(deps: OidcProtocolDeps): SsoProtocol {
  const { rp, urls } = deps;
  const settings = (c: RegisteredConnection): OidcSettings => oidcSettings(oidcConfig(c));
  const redirectUri = (id: string, route: CallbackRoute) =>
    urls.absolute(urls.callbackPath(id, route));

  async function callback(
    kit: SignInKit,
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    route: CallbackRoute,
  ): Promise<FastifyReply> {
    try {
      const c = await kit.connection(id);
      // A connection turned off while someone was at the IdP refuses the answer too.
      kit.protocolFor(c);
      const state = await kit.takeLoginState(request, reply, c);
      if (state.data.protocol !== 'oidc') throw new SsoError('login_state_missing');
      const s = settings(c);
      const rawQuery = request.raw.url?.split('?')[1] ?? '';
      const r = await rp.finish(s, {
        callbackParams: rawQuery,
        redirectUri: redirectUri(id, route),
        login: {
          state: state.data.state,
          nonce: state.data.nonce,
          codeVerifier: state.data.codeVerifier,
        },
        entraGroups: s.provider === 'entra' ? deps.entraGroupsFor(c.config) : null,
      });
      // The id_token is worth keeping only where it can be spent: the IdP's logout endpoint.
      const offersLogout = (await rp.logoutUrl(s, {})) !== null;
      return await kit.complete(request, reply, c, r.identity, {
        returnTo: state.returnTo,
        idToken: offersLogout ? r.idToken : null,
        problems: r.problems,
      });
    } catch (e) {
      return kit.fail(request, reply, id, e);
    }
  }

  return {
    type: 'oidc',

    endpoints(c) {
      return {
        redirect_uri: redirectUri(c.config.id, urls.primaryRoute(c.config.id)),
        post_logout_redirect_uri: urls.absolute(POST_LOGOUT_PATH),
      };
    },

    async start(c, o) {
      const { url, login } = await rp.start(settings(c), {
        redirectUri: redirectUri(c.config.id, o.route),
        prompt: o.prompt,
        loginHint: o.loginHint,
      });
      return { url, data: { protocol: 'oidc', ...login } };
    },

    test(c) {
      return rp.test(settings(c), {
        publicUrl: deps.publicUrlConfigured ? urls.publicUrl : null,
        callbackPath: urls.callbackPath(c.config.id),
      });
    },

    logoutUrl(c, idToken) {
      return rp.logoutUrl(settings(c), {
        idTokenHint: idToken,
        postLogoutRedirectUri: urls.absolute(POST_LOGOUT_PATH),
      });
    },

    forget: (id) => rp.forget(id),

    routes(app, kit) {
      app.get<{ Params: { id: string } }>('/:id/callback', { config: SSO_PAGE }, (req, reply) =>
        callback(kit, req, reply, req.params.id, 'own'),
      );
      const litellm = deps.litellmConnection;
      if (!litellm) return;
      // LiteLLM's URLs, so the redirect URI registered at the IdP for LiteLLM keeps working.
      app.get(LITELLM_LOGIN.slice('/sso'.length), { config: SSO_PAGE }, async (req, reply) => {
        try {
          const q = loginOptions(req);
          return await kit.start(reply, await kit.connection(litellm), {
            returnTo: safeReturnTo(q.return_to),
            loginHint: q.login_hint ?? null,
            prompt: q.prompt ?? null,
            route: 'litellm',
          });
        } catch (e) {
          return kit.fail(req, reply, litellm, e);
        }
      });
      app.get(LITELLM_CALLBACK.slice('/sso'.length), { config: SSO_PAGE }, (req, reply) =>
        callback(kit, req, reply, litellm, 'litellm'),
      );
    },
  };
}
