import type { AppError } from './catalogue.js';

/** Management API shape: `{"error":{"code","message","details"?}}`. */
export function renderApiError(err: AppError): Record<string, unknown> {
  return {
    error: {
      code: err.code,
      message: err.message,
      ...(err.details ? { details: err.details } : {}),
    },
  };
}

const OPENAI_TYPES: Partial<Record<AppError['code'], string>> = {
  invalid_request: 'invalid_request_error',
  validation_failed: 'invalid_request_error',
  payload_too_large: 'invalid_request_error',
  uri_too_long: 'invalid_request_error',
  unsupported_media_type: 'invalid_request_error',
  unauthenticated: 'authentication_error',
  invalid_credentials: 'authentication_error',
  key_blocked: 'authentication_error',
  key_expired: 'authentication_error',
  user_inactive: 'authentication_error',
  session_invalid: 'authentication_error',
  forbidden: 'permission_error',
  csrf_failed: 'permission_error',
  not_found: 'not_found_error',
  route_not_found: 'not_found_error',
  rate_limited: 'rate_limit_error',
  model_not_found: 'invalid_request_error',
  model_not_allowed: 'permission_error',
  // LiteLLM's type for a spent budget, which its users' clients already branch on.
  budget_exceeded: 'budget_exceeded',
  upstream_rate_limited: 'rate_limit_error',
  upstream_timeout: 'timeout_error',
};

/** OpenAI's error shape, which the official SDKs parse: `{"error":{"message","type","param","code"}}`. */
export function renderOpenAiError(err: AppError): Record<string, unknown> {
  return {
    error: {
      message: err.message,
      type: OPENAI_TYPES[err.code] ?? 'api_error',
      param: err.details?.[0]?.path ?? null,
      code: err.code,
    },
  };
}

/** The management API's surface (and the root's: health, metrics, /auth). */
export const API_ERRORS = {
  render: (err: AppError) => ({
    body: renderApiError(err),
    contentType: 'application/json; charset=utf-8',
  }),
};

/** The OpenAI-compatible gateway's surface. */
export const OPENAI_ERRORS = {
  render: (err: AppError) => ({
    body: renderOpenAiError(err),
    contentType: 'application/json; charset=utf-8',
  }),
};
/** SCIM scimType per catalogue code (RFC 7644 Table 9). */
const SCIM_TYPES: Partial<Record<AppError['code'], string>> = {
  invalid_filter: 'invalidFilter',
  too_many: 'tooMany',
  uniqueness: 'uniqueness',
  conflict: 'uniqueness',
  mutability: 'mutability',
  invalid_syntax: 'invalidSyntax',
  invalid_request: 'invalidSyntax',
  invalid_path: 'invalidPath',
  no_target: 'noTarget',
  invalid_value: 'invalidValue',
};

/** Which HTTP status each scimType may accompany: 409 is uniqueness only, the rest are 400s. */
export function scimTypeFits(status: number, scimType: string): boolean {
  if (scimType === 'uniqueness') return status === 409;
  if (scimType === 'tooMany') return status === 400 || status === 413;
  return status === 400;
}

/** RFC 7644 §3.12: `status` is a string; scimType only where the status allows it. */
export function renderScimError(err: AppError): Record<string, unknown> {
  const scimType = SCIM_TYPES[err.code];
  return {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
    status: String(err.status),
    ...(scimType && scimTypeFits(err.status, scimType) ? { scimType } : {}),
    detail: err.message,
  };
}

export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';
