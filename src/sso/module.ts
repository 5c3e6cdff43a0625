import type { CookiePolicy } from '../access/cookies.js';
import { type LoginStateStore, loginStateStore } from '../access/login-states.js';
import { samlStateStore } from '../access/saml-state.js';
import type { SessionStore } from '../access/sessions.js';
import type { ConnectionConfig } from '../config/schema.js';
import type { GatehouseConfig } from '../config/types.js';
import type { Db } from '../db/connect.js';
import { recordAudit } from '../identity/audit.js';
import type { Log } from '../identity/write.js';
import type { ConnectionLookup } from '../provisioning/connections.js';
import type { SignInService } from '../provisioning/types.js';
import { ssoAdmin } from './admin.js';
import { idpLogoutUrl } from './logout.js';
import type { EntraGroupLookup } from './oidc/claims.js';
import { oidcProtocol } from './oidc/protocol.js';
import { oidcRelyingParty, type RelyingPartyOptions } from './oidc/relying-party.js';
import type { SsoProtocol } from './protocol.js';
import { idpSource } from './saml/idp-source.js';
import { samlProtocol } from './saml/protocol.js';
import { signInKit } from './sign-in.js';
import { ssoSurface } from './surface.js';
import { ssoUrls } from './urls.js';

export interface SsoModuleDeps {
  config: GatehouseConfig;
  db: Db;
  now: () => Date;
  log: Log;
  connections: ConnectionLookup;
  signIn: SignInService;
  sessions: Pick<SessionStore, 'create'>;
  cookies: CookiePolicy;
  /** Entra groups through Microsoft Graph for a connection (null: no Graph access). */
  entraGroupsFor(c: ConnectionConfig): EntraGroupLookup | null;
  rpOptions?: RelyingPartyOptions | undefined;
}

/**
 * Single sign-on, composed: the protocols (OIDC, SAML), the `/sso`
 * plugin, RP-initiated logout for `/auth/logout`, and what the management API shows and tests.
 */
export function ssoModule(deps: SsoModuleDeps) {
  const { config } = deps;
  const litellm = config.sso.litellmRoutes?.connection ?? null;
  const urls = ssoUrls(config.publicUrl, litellm);
  // One relying party per process: it caches discovery documents and keys.
  const rp = oidcRelyingParty({ now: () => deps.now().getTime(), ...deps.rpOptions });
  const protocols = new Map<string, SsoProtocol>([
    [
      'oidc',
      oidcProtocol({
        rp,
        urls,
        publicUrlConfigured: config.publicUrlConfigured,
        entraGroupsFor: deps.entraGroupsFor,
        litellmConnection: litellm,
      }),
    ],
    [
      'saml',
      samlProtocol({
        urls,
        publicUrlConfigured: config.publicUrlConfigured,
        state: samlStateStore(deps.db.kysely, deps.now),
        // One per process: it caches IdP metadata fetched by URL.
        idps: idpSource({ now: () => deps.now().getTime() }),
        now: deps.now,
        entraGroupsFor: deps.entraGroupsFor,
      }),
    ],
  ]);
  const loginStates: LoginStateStore = loginStateStore(deps.db.kysely, { now: deps.now });
  const kit = signInKit({
    connections: deps.connections,
    protocols,
    loginStates,
    signIn: deps.signIn,
    sessions: deps.sessions,
    cookies: deps.cookies,
    urls,
    audit: (e) => recordAudit(deps.db.kysely, { ...e, at: deps.now().toISOString() }),
  });
  return {
    loginStates,
    /** Register with the prefix `/sso`. */
    plugin: ssoSurface({ kit, connections: deps.connections, protocols: [...protocols.values()] }),
    idpLogoutUrl: idpLogoutUrl({ connections: deps.connections, protocols, log: deps.log }),
    admin: ssoAdmin(protocols, urls),
  };
}
