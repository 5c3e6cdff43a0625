/**
 * Budget durations as LiteLLM writes them: `30s`, `15m`, `24h`, `30d`, `1w`, `1mo`.
 * Months are calendar months (a budget that resets on the same day each month), so they are
 * kept apart from fixed-length units instead of being approximated in seconds.
 */
export type DurationUnit = 's' | 'm' | 'h' | 'd' | 'w' | 'mo';
export interface Duration {
  amount: number;
  unit: DurationUnit;
}

const PATTERN = /^([1-9][0-9]{0,5})(s|m|h|d|w|mo)$/;
const UNIT_MS: Record<Exclude<DurationUnit, 'mo'>, number> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

export function parseDuration(text: string): Duration | null {
  const m = PATTERN.exec(text.trim());
  if (!m?.[1] || !m[2]) return null;
  return { amount: Number(m[1]), unit: m[2] as DurationUnit };
}

export function isDuration(text: string): boolean {
  return parseDuration(text) !== null;
}

/** The canonical spelling of a duration (no surrounding whitespace), or null if it is none. */
export function normalizeDuration(text: string): string | null {
  const d = parseDuration(text);
  return d ? `${d.amount}${d.unit}` : null;
}

/** The instant at which a period of `duration` that started at `from` ends. */
export function addDuration(from: Date, duration: Duration): Date {
  if (duration.unit === 'mo') {
    const d = new Date(from.getTime());
    const day = d.getUTCDate();
    d.setUTCDate(1);
    d.setUTCMonth(d.getUTCMonth() + duration.amount);
    const lastDay = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
    d.setUTCDate(Math.min(day, lastDay));
    return d;
  }
  return new Date(from.getTime() + duration.amount * UNIT_MS[duration.unit]);
}

/** For values like `interval: 10m` that must be a fixed length (no months). */
export function durationMs(text: string): number | null {
  const d = parseDuration(text);
  if (!d || d.unit === 'mo') return null;
  return d.amount * UNIT_MS[d.unit];
}
