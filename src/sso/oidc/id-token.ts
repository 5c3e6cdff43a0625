import { errors, type JWTPayload, jwtVerify } from 'jose';
import { SsoError } from './errors.js';
import type { JwksCache } from './jwks.js';

/**
 * Gatehouse's own check of the id_token, after openid-client's: the signature against the
 * IdP's published keys with the pinned algorithm (non-repudiation: a token from the token
 * endpoint is never trusted for its transport alone), audience and authorized party, and the
 * time claims against Gatehouse's clock with the connection's tolerance. Only the payload this
 * returns is ever read.
 */

export interface IdTokenExpectations {
  jwksUri: string;
  alg: string;
  clientId: string;
  /** The issuer the token must name; for Entra multi-tenant, derived from its verified `tid`. */
  expectedIssuer: (payload: JWTPayload) => string | null;
  nonce: string;
  toleranceSec: number;
  now: Date;
  /** An id_token from a code just exchanged is fresh; older ones are refused. */
  maxAgeSec?: number;
}

export async function verifyIdToken(
  jwt: string,
  keys: JwksCache,
  x: IdTokenExpectations,
): Promise<JWTPayload> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(jwt, keys.resolver(x.jwksUri), {
      algorithms: [x.alg],
      audience: x.clientId,
      currentDate: x.now,
      clockTolerance: x.toleranceSec,
      maxTokenAge: x.maxAgeSec ?? 3600,
      requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat'],
    }));
  } catch (e) {
    throw idTokenFailure(e);
  }
  const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (aud.length > 1 && payload.azp !== x.clientId) {
    throw new SsoError('id_token_audience', 'several audiences and azp is not this client');
  }
  if (payload.azp !== undefined && payload.azp !== x.clientId) {
    throw new SsoError('id_token_audience', 'azp names another client');
  }
  const issuer = x.expectedIssuer(payload);
  if (issuer === null || payload.iss !== issuer) {
    throw new SsoError(
      'id_token_issuer',
      `iss ${String(payload.iss)} is not ${issuer ?? 'derivable'}`,
    );
  }
  if (payload.nonce !== x.nonce) throw new SsoError('nonce_mismatch');
  if (typeof payload.sub !== 'string' || payload.sub.length === 0) {
    throw new SsoError('claims_missing', 'no sub');
  }
  return payload;
}

function idTokenFailure(e: unknown): SsoError {
  if (e instanceof SsoError) return e;
  if (e instanceof errors.JWTExpired) return new SsoError('id_token_expired', e.message, e);
  if (e instanceof errors.JWTClaimValidationFailed) {
    if (e.claim === 'aud') return new SsoError('id_token_audience', e.message, e);
    if (e.claim === 'nbf') return new SsoError('id_token_not_yet_valid', e.message, e);
    // jose reports an iat too far in the past as JWTExpired (above); this is one in the future.
    if (e.claim === 'iat') return new SsoError('id_token_not_yet_valid', e.message, e);
    return new SsoError('id_token_invalid', e.message, e);
  }
  if (e instanceof errors.JOSEAlgNotAllowed) return new SsoError('id_token_alg', e.message, e);
  if (e instanceof errors.JWKSNoMatchingKey) {
    return new SsoError('id_token_signature', 'signed by a key the IdP does not publish', e);
  }
  if (
    e instanceof errors.JWSSignatureVerificationFailed ||
    e instanceof errors.JWKSMultipleMatchingKeys
  ) {
    return new SsoError('id_token_signature', e.message, e);
  }
  return new SsoError('id_token_invalid', (e as Error).message, e);
}
