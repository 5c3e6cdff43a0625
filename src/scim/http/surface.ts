import { AppError } from '../../errors/catalogue.js';
import { renderScimError, SCIM_CONTENT_TYPE } from '../../errors/render.js';
import type { Surface } from '../../http/errors.js';
import { SCIM_BODY_LIMIT } from './body.js';

/**
 * Errors of the directory services and of Fastify, in SCIM's terms: a failed validation
 * (422 on the management API) is `invalidValue` (400), a body too large or of the wrong type
 * names what SCIM accepts. Everything else keeps its code; the renderer maps `conflict` to
 * 409 `uniqueness`.
 */
export function toScim(err: AppError): AppError {
  switch (err.code) {
    case 'validation_failed': {
      const details = err.details?.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message));
      return new AppError(
        'invalid_value',
        details?.length ? `${err.message} (${details.join('; ')})` : err.message,
      );
    }
    case 'unsupported_media_type':
      return new AppError(
        'unsupported_media_type',
        'Send the body as application/scim+json (application/json is accepted too).',
      );
    case 'payload_too_large':
      return new AppError(
        'payload_too_large',
        `The request body is larger than ${SCIM_BODY_LIMIT / 1024 / 1024} MiB.`,
      );
    default:
      return err;
  }
}

/** `/scim/v2`: RFC 7644 §3.12 errors, `application/scim+json`, for every failure. */
export const SCIM_SURFACE: Surface = {
  name: 'scim',
  prefixes: ['/scim/'],
  render: (err) => ({ body: renderScimError(toScim(err)), contentType: SCIM_CONTENT_TYPE }),
};
