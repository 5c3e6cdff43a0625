import { AppError } from '../../errors/catalogue.js';

/**
 * Why an OIDC sign-in failed, as a stable reason code with a sentence a person (or the admin
 * reading the audit log) can act on. The sentences never contain a token, a secret or raw IdP
 * text; the error page escapes them anyway.
 */
export const SSO_REASONS = {
  connection_disabled: 'This sign-in method is turned off. Ask your administrator.',
  protocol_unsupported:
    'This kind of sign-in method is not available in this version of Gatehouse. Ask your administrator.',
  connection_misconfigured:
    'This sign-in method is not set up completely in Gatehouse. Ask your administrator to run Test connection.',
  idp_unavailable: 'The identity provider could not be reached. Try again in a few minutes.',
  discovery_invalid:
    'The identity provider’s configuration document does not match this connection. Ask your administrator to run Test connection.',
  login_state_missing:
    'This sign-in was not started in this browser, or it was already used. Start again from the sign-in page.',
  login_state_expired: 'This sign-in took too long and expired. Start again from the sign-in page.',
  login_state_wrong_connection:
    'This sign-in was started for another identity provider. Start again from the sign-in page.',
  idp_error: 'The identity provider did not complete the sign-in.',
  access_denied: 'The identity provider refused the sign-in, or it was cancelled.',
  state_mismatch:
    'The answer from the identity provider does not belong to the sign-in started in this browser.',
  iss_mismatch: 'The answer came from another identity provider than the one this sign-in used.',
  code_rejected:
    'The identity provider rejected the sign-in code (already used, expired, or not issued for this sign-in).',
  token_exchange_failed: 'The identity provider did not exchange the sign-in code for tokens.',
  id_token_invalid: 'The identity provider’s ID token is not valid.',
  id_token_alg: 'The ID token is not signed with the algorithm this connection requires.',
  id_token_signature: 'The ID token’s signature does not verify with the identity provider’s keys.',
  id_token_audience: 'The ID token was issued for another application.',
  id_token_issuer: 'The ID token was issued by another identity provider.',
  id_token_expired: 'The ID token has expired. Check that this server’s clock is right.',
  id_token_not_yet_valid: 'The ID token is not valid yet. Check that this server’s clock is right.',
  nonce_mismatch: 'The ID token does not belong to the sign-in started in this browser.',
  userinfo_failed: 'The identity provider’s user information could not be read.',
  userinfo_subject_mismatch: 'The identity provider’s user information is about someone else.',
  claims_missing: 'The identity provider did not say who you are (a required claim is missing).',
  tenant_mismatch: 'The ID token’s tenant does not match its issuer.',
  tenant_not_allowed: 'Your organization’s Microsoft Entra tenant is not allowed to sign in here.',
} as const;

export type SsoReason = keyof typeof SSO_REASONS;

export class SsoError extends AppError {
  readonly reason: SsoReason;
  /** For the server log and audit only: a technical detail (never a token or secret). */
  readonly detail: string | null;

  constructor(reason: SsoReason, detail: string | null = null, cause?: unknown) {
    super(reason === 'idp_unavailable' ? 'idp_unavailable' : 'sso_failed', SSO_REASONS[reason]);
    this.name = 'SsoError';
    this.reason = reason;
    this.detail = detail;
    if (cause !== undefined) this.cause = cause;
  }
}

export const isSsoError = (e: unknown): e is SsoError => e instanceof SsoError;
