import { scimError } from '../errors.js';

/**
 * The longest value SCIM may store in a column, the same bounds the management API sets on the
 * same fields. Without them a directory could write a 4 MiB user name: stored as-is on SQLite,
 * a 500 on PostgreSQL (an index entry holds at most about 2.7 KB).
 */
export const SCIM_MAX_LENGTH = {
  userName: 320,
  email: 320,
  externalId: 200,
  displayName: 200,
  name: 200,
} as const;

/** `invalidValue` naming the attribute when `value` is longer than `max` characters. */
export function assertMaxLength(attribute: string, value: string | null, max: number): void {
  if (value !== null && value.length > max) {
    throw scimError(
      'invalid_value',
      `'${attribute}' is too long: at most ${max} characters, got ${value.length}.`,
    );
  }
}
