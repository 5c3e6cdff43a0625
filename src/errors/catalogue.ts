/**
 * The one catalogue of error codes. Every surface (management API, OpenAI-compatible gateway,
 * SCIM, OAuth) renders these same codes in its own wire shape, so a code means one thing
 * everywhere and clients can branch on it.
 */
export const ERROR_CATALOGUE = {
  invalid_request: { status: 400, message: 'The request is malformed.' },
  validation_failed: { status: 422, message: 'The request body or query failed validation.' },
  unauthenticated: { status: 401, message: 'Authentication is required.' },
  invalid_credentials: { status: 401, message: 'The credentials are not valid.' },
  key_blocked: { status: 401, message: 'This key is blocked.' },
  key_expired: { status: 401, message: 'This key has expired.' },
  user_inactive: { status: 401, message: 'The user owning these credentials is deactivated.' },
  session_invalid: { status: 401, message: 'The session has ended; sign in again.' },
  csrf_failed: { status: 403, message: 'Missing or wrong CSRF token.' },
  forbidden: { status: 403, message: 'You are not allowed to do this.' },
  not_found: { status: 404, message: 'Not found.' },
  route_not_found: { status: 404, message: 'No such route.' },
  method_not_allowed: { status: 405, message: 'Method not allowed.' },
  conflict: { status: 409, message: 'The request conflicts with existing data.' },
  payload_too_large: { status: 413, message: 'The request body is too large.' },
  uri_too_long: { status: 414, message: 'The request URL is too long.' },
  unsupported_media_type: { status: 415, message: 'Unsupported content type.' },
  rate_limited: { status: 429, message: 'Too many requests.' },
  // The gateway (/v1): model access, budgets and the upstream providers.
  model_not_found: { status: 404, message: 'No such model.' },
  model_not_allowed: { status: 403, message: 'This key may not call this model.' },
  budget_exceeded: { status: 429, message: 'The budget is spent.' },
  upstream_rate_limited: { status: 429, message: 'The model provider is rate limiting.' },
  upstream_error: { status: 502, message: 'The model provider failed.' },
  upstream_unavailable: { status: 503, message: 'No deployment of this model is available.' },
  upstream_timeout: { status: 504, message: 'The model provider did not answer in time.' },
  internal_error: { status: 500, message: 'Internal error.' },
  service_unavailable: { status: 503, message: 'The service is unavailable.' },
  // SSO: a sign-in through an identity provider did not complete.
  sso_failed: { status: 400, message: 'Sign-in through the identity provider failed.' },
  idp_unavailable: { status: 502, message: 'The identity provider could not be reached.' },
  // SCIM (RFC 7644 §3.12): each renders with the scimType of the same name on /scim/v2.
  invalid_filter: { status: 400, message: 'The filter syntax is invalid.' },
  too_many: { status: 400, message: 'The request would return more results than allowed.' },
  uniqueness: { status: 409, message: 'A value must be unique and is already taken.' },
  mutability: { status: 400, message: 'The attribute cannot be modified.' },
  invalid_syntax: { status: 400, message: 'The request body is not a valid SCIM message.' },
  invalid_path: { status: 400, message: 'The attribute path is invalid.' },
  no_target: { status: 400, message: 'The path matches no value.' },
  invalid_value: { status: 400, message: 'A value is missing or of the wrong type.' },
  precondition_failed: { status: 412, message: 'The resource has changed (If-Match failed).' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export interface ErrorDetail {
  path?: string;
  message: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: ErrorDetail[] | undefined;
  /** Sent as `Retry-After` (rate limits, lock-out). */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: ErrorCode,
    message?: string,
    details?: ErrorDetail[],
    extra: { retryAfterSeconds?: number } = {},
  ) {
    super(message ?? ERROR_CATALOGUE[code].message);
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_CATALOGUE[code].status;
    this.details = details;
    this.retryAfterSeconds = extra.retryAfterSeconds;
  }
}

export const notFound = (what: string, id: string): AppError =>
  new AppError('not_found', `${what} '${id}' does not exist.`);

export const conflict = (message: string): AppError => new AppError('conflict', message);

export const invalid = (message: string, details?: ErrorDetail[]): AppError =>
  new AppError('validation_failed', message, details);

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
