/** Display helpers shared by the pages; pure, so they are tested without a browser. */

export function formatMoney(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—';
  return `$${v.toFixed(2)}`;
}

export function formatBudget(max: number | null, duration: string | null): string {
  if (max === null) return 'No budget';
  return duration ? `${formatMoney(max)} per ${duration}` : formatMoney(max);
}

export function formatModels(models: readonly string[]): string {
  return models.length === 0 ? 'All models' : models.join(', ');
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
}

/** "sso:okta" → "SSO (okta)"; the same words everywhere a source is shown. */
export function formatSource(source: string): string {
  if (source === 'manual') return 'Manual';
  if (source === 'bootstrap') return 'Bootstrap';
  const [kind, rest] = [
    source.slice(0, source.indexOf(':')),
    source.slice(source.indexOf(':') + 1),
  ];
  if (kind === 'sso') return `SSO (${rest})`;
  if (kind === 'scim') return `SCIM (${rest})`;
  return source;
}

/** A comma- or newline-separated list typed into a field, trimmed, without empties or repeats. */
export function parseList(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[,\n]/)
        .map((s) => s.trim())
        .filter((s) => s.length > 0),
    ),
  ];
}

/** A money field: empty means "not set" (null); anything else must be a number ≥ 0. */
export function parseMoney(text: string): number | null {
  const t = text.trim();
  if (t === '') return null;
  const n = Number(t);
  if (!Number.isFinite(n) || n < 0) throw new Error(`"${text}" is not an amount`);
  return n;
}

/** A limit field: empty means none; otherwise a whole number ≥ 1. */
export function parseLimit(text: string): number | null {
  const t = text.trim();
  if (t === '') return null;
  const n = Number(t);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`"${text}" is not a whole number of at least 1`);
  return n;
}

/** A `datetime-local` value (the browser's local time) as an ISO instant, or null. */
export function localToIso(value: string): string | null {
  if (!value) return null;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new Error(`"${value}" is not a date and time`);
  return d.toISOString();
}

export function personName(u: {
  display_name: string | null;
  email: string | null;
  user_name: string | null;
  id: string;
}): string {
  return u.display_name || u.email || u.user_name || u.id;
}
