/**
 * What the SAML core needs to know about one connection. The caller builds it from the config
 * file or the connection store (decrypting the SP keys); nothing here is read from anywhere.
 */
export interface SpKey {
  privateKeyPem: string;
  certificatePem: string;
}

export interface SamlServiceProvider {
  /** Gatehouse's entity id for this connection: Okta's "Audience URI", Entra's "Identifier". */
  entityId: string;
  /** `{GATEHOUSE_PUBLIC_URL}/sso/{id}/acs`: Okta's "Single sign on URL", Entra's "Reply URL". */
  acsUrl: string;
  /** Where the IdP sends its LogoutResponse; only when Gatehouse offers single logout. */
  sloUrl?: string;
  /**
   * Signing keys, newest first. The first signs AuthnRequests and LogoutRequests; every one is
   * published in metadata, so an IdP that pinned the old certificate keeps working during
   * rotation.
   */
  signingKeys: readonly SpKey[];
  /** Keys the IdP may encrypt assertions to; all are tried, all are published. */
  encryptionKeys: readonly SpKey[];
  /** NameIDPolicy Format sent in AuthnRequests; null sends none. */
  nameIdFormat: string | null;
}

export interface SamlIdentityProvider {
  entityId: string;
  /** SingleSignOnService with the HTTP-Redirect binding. */
  ssoUrl: string;
  /** SingleLogoutService with the HTTP-Redirect binding, when the IdP offers one. */
  sloUrl?: string;
  /**
   * Issuer of the IdP's logout messages when it is not the entity id: Entra's LogoutResponse
   * says `https://login.microsoftonline.com/{tid}/` while its assertions say `https://sts.windows.net/{tid}/`.
   */
  sloIssuer?: string;
  /** Every certificate the IdP may sign with (PEM or bare base64): rollover needs several. */
  certificates: readonly string[];
}

export interface SamlPolicy {
  /** Require the signature on the Response element (Okta signs it by default). */
  wantResponseSigned: boolean;
  /** Require the signature on the Assertion (Entra's default signs only the assertion). */
  wantAssertionsSigned: boolean;
  /** Sign AuthnRequests with the first signing key (Entra can be set to require it). */
  signAuthnRequests: boolean;
  /** Accept responses no AuthnRequest asked for; then the replay cache is the only guard. */
  allowIdpInitiated: boolean;
  /** Clock difference tolerated in both directions on NotBefore / NotOnOrAfter. */
  clockToleranceMs: number;
  /** Largest base64 SAMLResponse accepted, checked before anything is decoded. */
  maxResponseBytes: number;
  /** Entra still offers SHA-1 signing; refused unless an admin turns this on. */
  allowSha1: boolean;
}

export interface SamlConnection {
  /** The connection id, as in `/sso/{id}/...`. */
  id: string;
  sp: SamlServiceProvider;
  idp: SamlIdentityProvider;
  policy: SamlPolicy;
}

/**
 * Defaults that accept what Okta and Entra send out of the box: both sign the assertion (Okta
 * also the Response, Entra not unless told), so the assertion signature is what is required.
 */
export const DEFAULT_POLICY: SamlPolicy = {
  wantResponseSigned: false,
  wantAssertionsSigned: true,
  signAuthnRequests: false,
  allowIdpInitiated: false,
  clockToleranceMs: 120_000,
  maxResponseBytes: 256 * 1024,
  allowSha1: false,
};

/** Every check the core can fail, named so audit events and error pages can say which. */
export type SamlCheck =
  | 'policy'
  | 'body_too_large'
  | 'malformed'
  | 'doctype'
  | 'structure'
  | 'duplicate_id'
  | 'status'
  | 'weak_algorithm'
  | 'decryption'
  | 'response_signature'
  | 'assertion_signature'
  | 'signature'
  | 'destination'
  | 'recipient'
  | 'issuer'
  | 'audience'
  | 'unsolicited'
  | 'in_response_to'
  | 'not_yet_valid'
  | 'expired'
  | 'replay'
  | 'subject'
  | 'inflate_too_large'
  | 'relay_state';

/** A refusal: which check failed and a sentence an admin can act on. Never library error text. */
export interface SamlFailure {
  ok: false;
  check: SamlCheck;
  message: string;
}

export type SamlResult<T> = ({ ok: true } & T) | SamlFailure;

export const fail = (check: SamlCheck, message: string): SamlFailure => ({
  ok: false,
  check,
  message,
});

/**
 * One-time use of assertion ids. `claim` records the id until `notOnOrAfter` and answers false
 * when it was already recorded (a replay).
 */
export interface AssertionReplayCache {
  claim(assertionId: string, notOnOrAfter: Date): Promise<boolean>;
}
