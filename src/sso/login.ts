import type { ConnectionConfig } from '../config/schema.js';
import type {
  ConnectionPolicy,
  SignInMeta,
  SignInResult,
  SignInService,
  VerifiedIdentity,
} from '../provisioning/types.js';

/** What a connection's settings say about who may come in and how accounts are matched. */
export function connectionPolicy(c: ConnectionConfig): ConnectionPolicy {
  return {
    id: c.id,
    jit: c.jit,
    linkExistingByEmail: c.link_existing_by_email,
    emailDomains: c.email_domains,
    scimToken: c.scim_token ?? c.scim_directory,
  };
}

/**
 * The entry point every SSO flow (OIDC callback, SAML ACS) calls once it has verified the
 * IdP's response: IdP-agnostic from here on.
 */
export function completeSignIn(
  signIn: SignInService,
  connection: ConnectionConfig,
  identity: Omit<VerifiedIdentity, 'connection'>,
  meta: SignInMeta = {},
): Promise<SignInResult> {
  return signIn.signIn(
    { ...identity, connection: connection.id },
    connectionPolicy(connection),
    meta,
  );
}
