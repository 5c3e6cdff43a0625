import { parseIdpMetadata } from '../../../src/sso/saml/idp-metadata.js';
import {
  DEFAULT_POLICY,
  type SamlConnection,
  type SamlPolicy,
  type SpKey,
} from '../../../src/sso/saml/types.js';
import { loginAt, type PostedResponse } from './browser.js';
import type { SpRegistration } from './config.js';
import type { SamlIdp } from './server.js';
import type { IdpUser } from './users.js';

export { Browser, LoginFailed, loginAt, type PostedResponse } from './browser.js';
export type { SigningMode, SpRegistration } from './config.js';
export { type SamlIdp, samlIdpUnavailable, startSamlIdp } from './server.js';
export * from './users.js';

/**
 * A Gatehouse connection for an SP registered at the test IdP, built from the IdP's published
 * metadata the way an admin's import would build it.
 */
export async function connectionFor(
  idp: SamlIdp,
  sp: SpRegistration,
  opts: {
    id?: string;
    policy?: Partial<SamlPolicy>;
    signingKeys?: SpKey[];
    encryptionKeys?: SpKey[];
    acsUrl?: string;
    extraCertificates?: string[];
  } = {},
): Promise<SamlConnection> {
  const parsed = parseIdpMetadata(await idp.metadata());
  if (!parsed.ok) throw new Error(`test IdP metadata did not import: ${parsed.message}`);
  const m = parsed.metadata;
  return {
    id: opts.id ?? 'test',
    sp: {
      entityId: sp.entityId,
      acsUrl: opts.acsUrl ?? sp.acsUrl,
      ...(sp.sloUrl ? { sloUrl: sp.sloUrl } : {}),
      signingKeys: opts.signingKeys ?? [],
      encryptionKeys: opts.encryptionKeys ?? [],
      nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
    },
    idp: {
      entityId: m.entityId,
      ssoUrl: m.ssoRedirectUrl ?? '',
      ...(m.sloRedirectUrl ? { sloUrl: m.sloRedirectUrl } : {}),
      certificates: [...m.signingCertificates.map((c) => c.pem), ...(opts.extraCertificates ?? [])],
    },
    policy: {
      ...DEFAULT_POLICY,
      wantResponseSigned: sp.signing === 'response-only',
      wantAssertionsSigned: sp.signing !== 'response-only',
      ...opts.policy,
    },
  };
}

/** IdP-initiated login (the user clicks the app tile in Okta or My Apps): no AuthnRequest. */
export function idpInitiatedLogin(
  idp: SamlIdp,
  spEntityId: string,
  user: IdpUser,
  relayState?: string,
): Promise<PostedResponse> {
  return loginAt(idp.idpInitiatedUrl(spEntityId, relayState), user.username, user.password);
}
