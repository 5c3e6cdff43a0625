/** JSON columns hold our own writes; a corrupt value is a bug, so fail loudly with context. */
export function readJson<T>(text: string | null, column: string): T | null {
  if (text === null) return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`column ${column} holds invalid JSON`);
  }
}

export function readList(text: string, column: string): string[] {
  const v = readJson<unknown>(text, column);
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

export const bool = (v: number): boolean => v !== 0;
export const int = (v: boolean): number => (v ? 1 : 0);
