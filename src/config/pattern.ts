import { RE2JS, RE2JSException } from 're2js';

/**
 * Patterns an admin writes (`group_regex`, `group_sync.include`) run on RE2 (re2js), whose
 * matching time is linear in the input: `^(a+)+$` against a long group name cannot backtrack
 * for minutes the way JavaScript's own engine does. The price is RE2's syntax: no
 * backreferences and no lookaround.
 */
export interface Pattern {
  readonly source: string;
  /** Whether the pattern matches anywhere in `input` (not anchored, like `RegExp.test`). */
  test(input: string): boolean;
}

export const PATTERN_MAX_LENGTH = 1000;
/**
 * RE2's estimate of a compiled pattern's cost (about one instruction per character class or
 * literal, repeats expanded). Matching costs up to this many steps per input character, so it
 * is capped: a realistic group pattern is well below 200 (an alternation of 20 team names is
 * about 150); `.{1000}` is 1002.
 */
export const PATTERN_MAX_PROGRAM_SIZE = 1000;

export type Compiled = { ok: true; pattern: Pattern } | { ok: false; message: string };

function reason(e: RE2JSException): string {
  return e.message.replace(/^error parsing regexp: /, '');
}

/** Compiles an admin's pattern for RE2, or says in words why it cannot be used. */
export function compilePattern(source: string): Compiled {
  if (source.length > PATTERN_MAX_LENGTH) {
    return { ok: false, message: `is longer than ${PATTERN_MAX_LENGTH} characters` };
  }
  let re: RE2JS;
  try {
    re = RE2JS.compile(source);
  } catch (e) {
    if (!(e instanceof RE2JSException)) throw e;
    return {
      ok: false,
      message: `is not a pattern RE2 accepts (${reason(e)}); RE2 has no backreferences or lookaround`,
    };
  }
  const size = re.programSize();
  if (size > PATTERN_MAX_PROGRAM_SIZE) {
    return {
      ok: false,
      message: `is too complex to match quickly (RE2 program size ${size}, at most ${PATTERN_MAX_PROGRAM_SIZE}); simplify it or split it into several rules`,
    };
  }
  return { ok: true, pattern: { source, test: (input) => re.test(input) } };
}

/**
 * Compiled patterns depend on their source only, so they are kept: a mapping re-read from the
 * database at every sign-in does not compile its patterns again. Bounded, oldest out first.
 */
const compiled = new Map<string, Pattern>();
const KEEP = 512;

/**
 * The compiled form of a pattern that passed validation. One that does not compile is a
 * programming error here (the config and API schemas refuse such patterns), so it throws.
 */
export function patternOf(source: string): Pattern {
  const known = compiled.get(source);
  if (known) return known;
  const c = compilePattern(source);
  if (!c.ok) throw new Error(`pattern ${JSON.stringify(source)} ${c.message}`);
  if (compiled.size >= KEEP) {
    const oldest = compiled.keys().next();
    if (!oldest.done) compiled.delete(oldest.value);
  }
  compiled.set(source, c.pattern);
  return c.pattern;
}
