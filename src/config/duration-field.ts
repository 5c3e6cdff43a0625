import { z } from 'zod';
import { durationMs, normalizeDuration } from './duration.js';

/**
 * Duration fields of the config file and of the management API alike: the value is stored in
 * its canonical spelling (`" 30d "` becomes `30d`), and a space inside (`30 d`) is refused with
 * a message that says so, rather than kept or silently misread.
 */
function field(kind: 'any' | 'fixed') {
  const hint =
    kind === 'any'
      ? 'must be a duration like 30s, 15m, 24h, 30d, 1w or 1mo'
      : 'must be a duration like 30s, 15m, 8h or 7d';
  const canonical = (text: string): string | null => {
    const d = normalizeDuration(text);
    return d !== null && (kind === 'any' || durationMs(d) !== null) ? d : null;
  };
  return z.string().transform((text, c) => {
    const value = canonical(text);
    if (value !== null) return value;
    // "30 d" is a duration with a space in it; "30 days" is not one at all.
    const spaced = canonical(text.replace(/\s+/g, '')) !== null;
    c.addIssue({ code: 'custom', message: spaced ? `${hint}, without spaces` : hint });
    return z.NEVER;
  });
}

/** A budget period: fixed units or calendar months. */
export const durationField = field('any');
/** A fixed length of time (timeouts, intervals): no months. */
export const fixedDurationField = field('fixed');
