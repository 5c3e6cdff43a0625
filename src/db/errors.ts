/** Maps driver-specific constraint errors to one question each, for both dialects. */
function code(e: unknown): string | undefined {
  return e && typeof e === 'object' && 'code' in e
    ? String((e as { code: unknown }).code)
    : undefined;
}

export function isUniqueViolation(e: unknown): boolean {
  const c = code(e);
  return c === '23505' || c === 'SQLITE_CONSTRAINT_UNIQUE' || c === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

export function isForeignKeyViolation(e: unknown): boolean {
  const c = code(e);
  return c === '23503' || c === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}
