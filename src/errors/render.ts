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
