import { SsoError } from './errors.js';
import { describeFetchError } from './http.js';

interface LibError {
  name?: string;
  code?: string;
  message?: string;
  error?: string;
  status?: number;
  claim?: string;
  cause?: LibError;
}

/**
 * What openid-client (and oauth4webapi below it) report for a callback, as a reason. The library
 * wraps its checks' errors (`ClientError` with a code, the specific error in `cause`); OAuth
 * errors from the IdP arrive as `AuthorizationResponseError` / `ResponseBodyError` with `error`.
 */
export function callbackFailure(e: unknown): SsoError {
  if (e instanceof SsoError) return e;
  const err = (e ?? {}) as LibError;
  const inner = err.cause ?? err;
  const msg = `${err.message ?? ''} ${inner.message ?? ''}`;
  if (err.name === 'AuthorizationResponseError') {
    return new SsoError(
      err.error === 'access_denied' ? 'access_denied' : 'idp_error',
      `IdP error ${err.error ?? '?'}`,
      e,
    );
  }
  if (err.name === 'ResponseBodyError') {
    return err.error === 'invalid_grant'
      ? new SsoError('code_rejected', 'token endpoint: invalid_grant', e)
      : new SsoError(
          'token_exchange_failed',
          `token endpoint: ${err.error ?? '?'} (HTTP ${err.status ?? '?'})`,
          e,
        );
  }
  if (/"iss" \(issuer\) (response parameter|missing)|response parameter "iss"/.test(msg)) {
    return new SsoError('iss_mismatch', inner.message ?? null, e);
  }
  if (/"state" response parameter|response parameter "state"/.test(msg)) {
    return new SsoError('state_mismatch', inner.message ?? null, e);
  }
  const claim = inner.claim ?? inner.cause?.claim;
  if (
    err.code === 'OAUTH_JWT_CLAIM_COMPARISON_FAILED' ||
    inner.code === 'OAUTH_JWT_CLAIM_COMPARISON_FAILED'
  ) {
    if (claim === 'nonce' || /nonce/.test(msg)) return new SsoError('nonce_mismatch', null, e);
    if (claim === 'aud' || claim === 'azp' || /audience|authorized party/.test(msg)) {
      return new SsoError('id_token_audience', inner.message ?? null, e);
    }
    if (claim === 'iss' || /issuer/.test(msg))
      return new SsoError('id_token_issuer', inner.message ?? null, e);
    return new SsoError('id_token_invalid', inner.message ?? null, e);
  }
  if (
    err.code === 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED' ||
    inner.code === 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED'
  ) {
    return claim === 'nbf'
      ? new SsoError('id_token_not_yet_valid', inner.message ?? null, e)
      : new SsoError('id_token_expired', inner.message ?? null, e);
  }
  if (/JWS algorithm|"alg"/.test(msg) || err.code === 'OAUTH_UNSUPPORTED_OPERATION') {
    return new SsoError('id_token_alg', inner.message ?? null, e);
  }
  if (err.code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' || err.code === 'OAUTH_RESPONSE_IS_NOT_JSON') {
    return new SsoError('token_exchange_failed', inner.message ?? err.message ?? null, e);
  }
  if (err.code?.startsWith('OAUTH_'))
    return new SsoError('id_token_invalid', inner.message ?? null, e);
  return new SsoError('idp_unavailable', describeFetchError(e), e);
}
