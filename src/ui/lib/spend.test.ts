import { describe, expect, it } from 'vitest';
import { dailyBars, dayToIso, formatCost, formatMetric } from './spend.js';

const sums = (day: string, cost: number, requests = 1) => ({
  day,
  cost,
  requests,
  prompt_tokens: 0,
  completion_tokens: 0,
  total_tokens: requests * 10,
});

describe('spend page helpers', () => {
  it('fills the days without spend with zero so gaps show', () => {
    const bars = dailyBars([sums('2026-11-01', 1), sums('2026-11-03', 2)], 'cost');
    expect(bars).toEqual([
      { label: '2026-11-01', value: 1 },
      { label: '2026-11-02', value: 0 },
      { label: '2026-11-03', value: 2 },
    ]);
  });

  it('follows the chosen range, end exclusive, and the chosen metric', () => {
    const bars = dailyBars([sums('2026-11-02', 1, 3)], 'requests', {
      start: '2026-11-01T00:00:00.000Z',
      end: '2026-11-04T00:00:00.000Z',
    });
    expect(bars.map((b) => b.label)).toEqual(['2026-11-01', '2026-11-02', '2026-11-03']);
    expect(bars[1]?.value).toBe(3);
  });

  it('no spend and no range: no bars; a huge range shows only days with spend', () => {
    expect(dailyBars([], 'cost')).toEqual([]);
    const bars = dailyBars([sums('2020-01-01', 1)], 'cost', {
      start: '2000-01-01T00:00:00.000Z',
      end: '2030-01-01T00:00:00.000Z',
    });
    expect(bars).toEqual([{ label: '2020-01-01', value: 1 }]);
  });

  it('formats fractions of a cent and token counts', () => {
    expect(formatCost(0)).toBe('$0');
    expect(formatCost(0.000123)).toBe('$0.000123');
    expect(formatCost(12.345)).toBe('$12.35');
    expect(formatCost(0.9)).toBe('$0.90');
    expect(formatMetric('total_tokens', 12345)).toBe('12,345');
  });

  it('date inputs become UTC day starts; junk is ignored', () => {
    expect(dayToIso('2026-11-30', 1)).toBe('2026-12-01T00:00:00.000Z');
    expect(dayToIso('30/11/2026')).toBeUndefined();
  });
});
