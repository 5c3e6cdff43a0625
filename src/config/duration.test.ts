import { afterAll, describe, expect, it } from 'vitest';
import { removeYamlFiles } from '../../test/support/config.js';
import {
  addDuration,
  durationMs,
  isDuration,
  normalizeDuration,
  parseDuration,
} from './duration.js';
import { durationField, fixedDurationField } from './duration-field.js';
import { fromObject } from './load.js';

afterAll(removeYamlFiles);

describe('durations', () => {
  it.each<[string, number, string]>([
    ['30s', 30, 's'],
    ['15m', 15, 'm'],
    ['24h', 24, 'h'],
    ['30d', 30, 'd'],
    ['1w', 1, 'w'],
    ['1mo', 1, 'mo'],
    ['12mo', 12, 'mo'],
    ['999999s', 999999, 's'],
    [' 7d ', 7, 'd'],
  ])('parses %j', (text, amount, unit) => {
    expect(parseDuration(text)).toEqual({ amount, unit });
    expect(isDuration(text)).toBe(true);
  });

  it.each(['', '30', 'd', '0d', '-1d', '1.5h', '30 d', '30D', '1y', '1month', '01d', '1000000s'])(
    'rejects %j',
    (text) => {
      expect(parseDuration(text)).toBeNull();
      expect(isDuration(text)).toBe(false);
    },
  );

  it('gives fixed-length durations in milliseconds, but not months', () => {
    expect(durationMs('90s')).toBe(90_000);
    expect(durationMs('10m')).toBe(600_000);
    expect(durationMs('2h')).toBe(7_200_000);
    expect(durationMs('1d')).toBe(86_400_000);
    expect(durationMs('2w')).toBe(1_209_600_000);
    expect(durationMs('1mo')).toBeNull();
    expect(durationMs('soon')).toBeNull();
  });

  const at = (iso: string) => new Date(iso);
  const add = (iso: string, text: string) => {
    const d = parseDuration(text);
    if (!d) return expect.fail(`${text} did not parse`);
    return addDuration(at(iso), d).toISOString();
  };

  it.each<[string, string, string]>([
    ['2024-01-31T10:20:30.000Z', '1mo', '2024-02-29T10:20:30.000Z'],
    ['2023-01-31T10:20:30.000Z', '1mo', '2023-02-28T10:20:30.000Z'],
    ['2024-01-31T00:00:00.000Z', '2mo', '2024-03-31T00:00:00.000Z'],
    ['2024-03-31T00:00:00.000Z', '1mo', '2024-04-30T00:00:00.000Z'],
    ['2024-01-15T12:00:00.000Z', '1mo', '2024-02-15T12:00:00.000Z'],
    ['2023-12-31T23:59:59.999Z', '2mo', '2024-02-29T23:59:59.999Z'],
    ['2024-11-30T00:00:00.000Z', '3mo', '2025-02-28T00:00:00.000Z'],
    ['2024-02-29T00:00:00.000Z', '12mo', '2025-02-28T00:00:00.000Z'],
    ['2024-02-29T00:00:00.000Z', '48mo', '2028-02-29T00:00:00.000Z'],
  ])('%s + %s = %s (calendar months, clamped to the month end)', (from, text, expected) => {
    expect(add(from, text)).toBe(expected);
  });

  it.each<[string, string, string]>([
    ['2024-01-31T10:00:00.000Z', '30s', '2024-01-31T10:00:30.000Z'],
    ['2024-01-31T10:00:00.000Z', '15m', '2024-01-31T10:15:00.000Z'],
    ['2024-01-31T10:00:00.000Z', '24h', '2024-02-01T10:00:00.000Z'],
    ['2024-02-01T00:00:00.000Z', '30d', '2024-03-02T00:00:00.000Z'],
    ['2024-12-30T00:00:00.000Z', '1w', '2025-01-06T00:00:00.000Z'],
  ])('%s + %s = %s (fixed length)', (from, text, expected) => {
    expect(add(from, text)).toBe(expected);
  });

  it('does not modify the start date', () => {
    const from = at('2024-01-31T00:00:00.000Z');
    addDuration(from, { amount: 1, unit: 'mo' });
    expect(from.toISOString()).toBe('2024-01-31T00:00:00.000Z');
  });
});

describe('duration fields (config file and API alike)', () => {
  it('store the canonical spelling: surrounding spaces are dropped', () => {
    expect(normalizeDuration(' 30d ')).toBe('30d');
    expect(normalizeDuration('\t1mo\n')).toBe('1mo');
    expect(durationField.parse(' 30d ')).toBe('30d');
    expect(fixedDurationField.parse(' 15m')).toBe('15m');
  });

  it('refuse a space inside, saying so', () => {
    for (const text of ['30 d', '1 mo', ' 3 0d']) {
      const r = durationField.safeParse(text);
      expect(r.success).toBe(false);
      expect(r.error?.issues[0]?.message).toBe(
        'must be a duration like 30s, 15m, 24h, 30d, 1w or 1mo, without spaces',
      );
    }
    expect(fixedDurationField.safeParse('8 h').error?.issues[0]?.message).toBe(
      'must be a duration like 30s, 15m, 8h or 7d, without spaces',
    );
  });

  it('keep months out of fixed-length fields', () => {
    expect(durationField.parse('1mo')).toBe('1mo');
    expect(fixedDurationField.safeParse('1mo').success).toBe(false);
  });

  it('apply to the config file: " 30d " is stored as 30d, "30 d" is refused', () => {
    const { config } = fromObject(
      { litellm_settings: { default_team_params: { budget_duration: ' 30d ' } } },
      '(test)',
      undefined,
      { env: {} },
    );
    expect(config.defaultTeamParams.budget_duration).toBe('30d');
    expect(() =>
      fromObject(
        { litellm_settings: { default_team_params: { budget_duration: '30 d' } } },
        '(test)',
        undefined,
        { env: {} },
      ),
    ).toThrow(/budget_duration: must be a duration like .*, without spaces/);
  });
});
