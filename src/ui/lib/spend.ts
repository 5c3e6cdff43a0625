import type { SpendSums } from '../api/types.js';

export type Metric = 'cost' | 'total_tokens' | 'requests';

export const METRICS: { value: Metric; label: string }[] = [
  { value: 'cost', label: 'Cost (USD)' },
  { value: 'total_tokens', label: 'Tokens' },
  { value: 'requests', label: 'Requests' },
];

/** Costs per request are fractions of a cent: show enough digits to see them. */
export function formatCost(v: number): string {
  if (v === 0) return '$0';
  return v >= 0.01 ? `$${v.toFixed(2)}` : `$${Number(v.toPrecision(3))}`;
}

export function formatMetric(metric: Metric, v: number): string {
  return metric === 'cost' ? formatCost(v) : Math.round(v).toLocaleString('en-US');
}

const DAY = 86_400_000;
/** Beyond this the chart shows only the days that have spend, not every calendar day. */
const MAX_FILLED_DAYS = 366;

/**
 * One bar per UTC day from the first to the last day of the range (the days with no request
 * show as zero, so gaps are visible); without a range, from the first to the last day with spend.
 */
export function dailyBars(
  byDay: readonly (SpendSums & { day: string })[],
  metric: Metric,
  range: { start?: string | undefined; end?: string | undefined } = {},
): { label: string; value: number }[] {
  const values = new Map(byDay.map((d) => [d.day, d[metric]]));
  const first = range.start?.slice(0, 10) ?? byDay[0]?.day;
  // `end` is exclusive: the last day shown is the one before it.
  const last = range.end
    ? new Date(Date.parse(range.end) - 1).toISOString().slice(0, 10)
    : byDay[byDay.length - 1]?.day;
  if (!first || !last) return [];
  const from = Date.parse(`${first}T00:00:00Z`);
  const to = Date.parse(`${last}T00:00:00Z`);
  if (Number.isNaN(from) || Number.isNaN(to) || to < from || (to - from) / DAY > MAX_FILLED_DAYS) {
    return byDay.map((d) => ({ label: d.day, value: d[metric] }));
  }
  const out: { label: string; value: number }[] = [];
  for (let t = from; t <= to; t += DAY) {
    const day = new Date(t).toISOString().slice(0, 10);
    out.push({ label: day, value: values.get(day) ?? 0 });
  }
  return out;
}

/** A `<input type="date">` value as the ISO start of that UTC day; `plusDays` moves it. */
export function dayToIso(day: string, plusDays = 0): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  const t = Date.parse(`${day}T00:00:00Z`);
  return Number.isNaN(t) ? undefined : new Date(t + plusDays * DAY).toISOString();
}
