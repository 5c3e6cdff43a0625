import { scimError } from '../errors.js';

/** Largest SCIM request body: a full-membership PATCH of ~50,000 members fits. */
export const SCIM_BODY_LIMIT = 4 * 1024 * 1024;

/** Content types a SCIM request body may come in (Okta's SPEC test POSTs plain JSON). */
export const SCIM_BODY_TYPES = ['application/scim+json', 'application/json'] as const;

/**
 * A request body as JSON. Empty is `undefined` (Okta and Entra send a content type on GET and
 * DELETE too); a route that needs a body says so. Keys that would reach an object's prototype
 * when copied (`__proto__`, `constructor.prototype`) refuse the body: nothing a SCIM client
 * sends needs them.
 */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text, (key, value: unknown) => {
      if (key === '__proto__') throw new SyntaxError('the key "__proto__" is not allowed');
      if (
        key === 'constructor' &&
        value !== null &&
        typeof value === 'object' &&
        Object.hasOwn(value, 'prototype')
      )
        throw new SyntaxError('the key "constructor.prototype" is not allowed');
      return value;
    });
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw scimError('invalid_syntax', `The body is not valid JSON: ${reason.slice(0, 200)}`);
  }
}

/** The body of a POST, PUT, PATCH or .search: present, else invalid_syntax. */
export function requireBody(body: unknown): unknown {
  if (body === undefined)
    throw scimError('invalid_syntax', 'The request needs a JSON body (application/scim+json).');
  return body;
}
