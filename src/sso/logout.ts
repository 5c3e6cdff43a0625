import type { IdpLogoutUrl } from '../access/auth.routes.js';
import type { Log } from '../identity/write.js';
import type { ConnectionLookup } from '../provisioning/connections.js';
import type { SsoProtocol } from './protocol.js';

/**
 * RP-initiated logout for `POST /auth/logout`: for a session an SSO sign-in made, the URL of the
 * IdP's logout (with `id_token_hint` where the session kept one). Signing out of Gatehouse never
 * waits on or fails because of the IdP: any problem means "no IdP logout", logged.
 */
export function idpLogoutUrl(deps: {
  connections: ConnectionLookup;
  protocols: ReadonlyMap<string, SsoProtocol>;
  log: Log;
}): IdpLogoutUrl {
  return async ({ method, idToken }) => {
    if (!method.startsWith('sso:')) return null;
    const id = method.slice('sso:'.length);
    try {
      const c = await deps.connections.get(id);
      const p = c ? deps.protocols.get(c.config.type) : undefined;
      if (!c || !p?.logoutUrl) return null;
      return await p.logoutUrl(c, idToken);
    } catch (err) {
      deps.log.warn({ connection: id, err }, 'no IdP logout URL: the IdP could not be asked');
      return null;
    }
  };
}
