import { AppError } from '../errors/catalogue.js';
import type { RegisteredConnection } from '../provisioning/connections.js';
import type { ConnectionCheck, SsoProtocol } from './protocol.js';
import type { SsoUrls } from './urls.js';

/** What the management API needs from the sign-in protocols: URLs to show, Test connection. */
export function ssoAdmin(protocols: ReadonlyMap<string, SsoProtocol>, urls: SsoUrls) {
  const protocolOf = (c: RegisteredConnection): SsoProtocol => {
    const p = protocols.get(c.config.type);
    if (!p) {
      throw new AppError(
        'conflict',
        `Connections of type ${c.config.type} cannot be used in this version of Gatehouse.`,
      );
    }
    return p;
  };
  return {
    urlsOf(c: RegisteredConnection): Record<string, string> {
      const p = protocols.get(c.config.type);
      return {
        ...(p ? p.endpoints(c) : {}),
        login_url: urls.absolute(urls.loginPath(c.config.id)),
      };
    },
    test(c: RegisteredConnection): Promise<ConnectionCheck[]> {
      return protocolOf(c).test(c);
    },
    forget(id: string): void {
      for (const p of protocols.values()) p.forget?.(id);
    },
  };
}
