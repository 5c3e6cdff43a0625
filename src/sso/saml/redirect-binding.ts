import { inflateRawSync } from 'node:zlib';
import { fail, type SamlResult } from './types.js';
import { hasDoctype, parseStrict } from './xml.js';

export interface InflateLimits {
  /** Longest base64 parameter accepted, before anything is decoded. */
  maxEncodedBytes: number;
  /** Largest inflated message: DEFLATE reaches ~1000:1, so the output is what must be capped. */
  maxInflatedBytes: number;
}

export const DEFAULT_INFLATE_LIMITS: InflateLimits = {
  maxEncodedBytes: 64 * 1024,
  maxInflatedBytes: 256 * 1024,
};

const BASE64 = /^[A-Za-z0-9+/=\r\n ]*$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes a SAMLRequest/SAMLResponse query parameter of the HTTP-Redirect binding (already
 * URL-decoded). zlib stops as soon as the output passes the cap, so a deflate bomb costs at most
 * `maxInflatedBytes` of work and memory, never its full expansion.
 */
export function inflateRedirectMessage(
  encoded: unknown,
  limits: InflateLimits = DEFAULT_INFLATE_LIMITS,
): SamlResult<{ xml: string; root: Element }> {
  if (typeof encoded !== 'string' || encoded.length === 0) {
    return fail('malformed', 'The redirect carries no SAML message.');
  }
  if (encoded.length > limits.maxEncodedBytes) {
    return fail(
      'body_too_large',
      `The SAML message parameter is ${encoded.length} bytes; Gatehouse accepts at most ${limits.maxEncodedBytes}.`,
    );
  }
  if (!BASE64.test(encoded)) return fail('malformed', 'The SAML message parameter is not base64.');
  let inflated: Buffer;
  try {
    inflated = inflateRawSync(Buffer.from(encoded, 'base64'), {
      maxOutputLength: limits.maxInflatedBytes,
    });
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      return fail(
        'inflate_too_large',
        `The SAML message inflates to more than ${limits.maxInflatedBytes} bytes (a compression bomb); it was refused.`,
      );
    }
    return fail('malformed', 'The SAML message is not DEFLATE-compressed data.');
  }
  let xml: string;
  try {
    xml = utf8.decode(inflated);
  } catch {
    return fail('malformed', 'The SAML message is not UTF-8 text.');
  }
  if (hasDoctype(xml)) {
    return fail(
      'doctype',
      'The SAML message contains a DOCTYPE or entity declaration, which SAML forbids.',
    );
  }
  const parsed = parseStrict(xml);
  if (!parsed.ok) return fail(parsed.reason, `The SAML message ${parsed.message}.`);
  return { ok: true, xml, root: parsed.root };
}
