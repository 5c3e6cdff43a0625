import { ScimSyntaxError } from '../errors.js';
import {
  type AttrPath,
  COMPARE_OPS,
  type CompareOp,
  type Filter,
  type Literal,
  type PatchPath,
} from './ast.js';
import { describe, type SyntaxCode, type Token, tokenize } from './lexer.js';

export const FILTER_LIMITS = {
  /** Characters. Real clients send filters of well under 200. */
  maxLength: 4096,
  /** Nesting of parentheses, `not` and value paths. */
  maxDepth: 16,
  /** Comparisons (`eq`, `pr`, …) in one filter: each becomes a SQL predicate. */
  maxTerms: 100,
} as const;

const NAME = /^[A-Za-z_$-][\w$-]*$/;
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const OPS = new Set<string>([...COMPARE_OPS, 'pr']);

const isOpWord = (tok: Token | undefined): boolean =>
  tok?.t === 'word' && OPS.has(tok.v.toLowerCase());
const isKeyword = (tok: Token | undefined, kw: string): boolean =>
  tok?.t === 'word' && tok.v.toLowerCase() === kw;

/** A bare word is `true`/`false`/`null` or a JSON number; anything else is taken as a string (§E.2). */
function bareLiteral(word: string): Literal {
  const lower = word.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  if (lower === 'null') return null;
  if (NUMBER.test(word)) return Number(word);
  return word;
}

class Parser {
  private i = 0;
  private depth = 0;
  private terms = 0;

  constructor(
    private readonly toks: Token[],
    private readonly code: SyntaxCode,
  ) {}

  private peek(k = 0): Token {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)] as Token;
  }

  private next(): Token {
    const tok = this.peek();
    if (tok.t !== 'eof') this.i++;
    return tok;
  }

  fail(expected: string, tok: Token = this.peek()): never {
    throw new ScimSyntaxError(this.code, tok.pos, expected, describe(tok));
  }

  private enter(tok: Token): void {
    if (++this.depth > FILTER_LIMITS.maxDepth)
      this.fail(`at most ${FILTER_LIMITS.maxDepth} levels of nesting`, tok);
  }

  private leave(): void {
    this.depth--;
  }

  expectEnd(): void {
    if (this.peek().t !== 'eof') this.fail("'and', 'or' or the end of the filter");
  }

  or(inValuePath: boolean): Filter {
    let left = this.and(inValuePath);
    while (isKeyword(this.peek(), 'or')) {
      this.next();
      left = { op: 'or', left, right: this.and(inValuePath) };
    }
    return left;
  }

  private and(inValuePath: boolean): Filter {
    let left = this.unary(inValuePath);
    while (isKeyword(this.peek(), 'and')) {
      this.next();
      left = { op: 'and', left, right: this.unary(inValuePath) };
    }
    return left;
  }

  /**
   * `not` is the operator when a group, a value path or a comparison follows it; otherwise it
   * is an attribute named "not" (`not eq "x"`), which the grammar allows. Deciding by looking
   * ahead, not by backtracking, keeps parsing linear in the length of the filter.
   */
  private unary(inValuePath: boolean): Filter {
    const tok = this.peek();
    if (isKeyword(tok, 'not')) {
      let run = 1;
      while (isKeyword(this.peek(run), 'not')) run++;
      const after = this.peek(run);
      const afterNext = this.peek(run + 1);
      const operand =
        after.t === '(' || (after.t === 'word' && (afterNext.t === '[' || isOpWord(afterNext)));
      // In `not not sw "A"` the last `not` of the run is the attribute the comparison is on.
      if (operand || run > 1) {
        this.next();
        this.enter(tok);
        const filter = this.unary(inValuePath);
        this.leave();
        return { op: 'not', filter };
      }
    }
    if (tok.t === '(') {
      this.next();
      this.enter(tok);
      const inner = this.or(inValuePath);
      if (this.peek().t !== ')') this.fail("')'");
      this.next();
      this.leave();
      return inner;
    }
    return this.attrExp(inValuePath);
  }

  path(tok: Token, inValuePath: boolean): AttrPath {
    if (tok.t !== 'word') this.fail('an attribute name', tok);
    let rest = tok.v;
    let uri: string | undefined;
    if (rest.toLowerCase().startsWith('urn:')) {
      if (inValuePath) this.fail('a sub-attribute name', tok);
      const colon = rest.lastIndexOf(':');
      uri = rest.slice(0, colon);
      rest = rest.slice(colon + 1);
    }
    const parts = rest.split('.');
    if (parts.length > 2 || (inValuePath && parts.length > 1))
      this.fail(inValuePath ? 'a sub-attribute name' : 'attr or attr.subAttr', tok);
    const [attr, sub] = parts as [string, string | undefined];
    if (!NAME.test(attr) || (sub !== undefined && !NAME.test(sub)))
      this.fail('an attribute name (letters, digits, $, - and _)', tok);
    return {
      ...(uri === undefined ? {} : { uri }),
      attr,
      ...(sub === undefined ? {} : { sub }),
      pos: tok.pos,
    };
  }

  private attrExp(inValuePath: boolean): Filter {
    const tok = this.next();
    const path = this.path(tok, inValuePath);
    if (this.peek().t === '[') {
      if (inValuePath) this.fail('a comparison: value filters cannot be nested');
      if (path.sub !== undefined) this.fail("an attribute without '.sub' before '['", tok);
      return this.valuePath(path);
    }
    return this.comparison(path);
  }

  private comparison(path: AttrPath): Filter {
    const opTok = this.next();
    if (!isOpWord(opTok)) this.fail('an operator (eq ne co sw ew gt ge lt le pr)', opTok);
    if (++this.terms > FILTER_LIMITS.maxTerms)
      this.fail(`at most ${FILTER_LIMITS.maxTerms} comparisons`, opTok);
    const op = (opTok as { v: string }).v.toLowerCase() as CompareOp | 'pr';
    if (op === 'pr') return { op, path };
    const valTok = this.next();
    if (valTok.t === 'string') return { op, path, value: valTok.v };
    if (valTok.t === 'word') return { op, path, value: bareLiteral(valTok.v) };
    return this.fail('a value', valTok);
  }

  private valuePath(path: AttrPath): Filter {
    const open = this.next();
    this.enter(open);
    const inner = this.or(true);
    const close = this.peek();
    if (close.t !== ']') this.fail("']'");
    this.next();
    this.leave();
    const after = this.peek();
    // Entra and SCIMMY write `emails[type eq "work"].value eq "x"`: the same as putting the
    // comparison inside the brackets.
    if (after.t === 'word' && after.pos === close.end && after.v.startsWith('.')) {
      this.next();
      const sub = after.v.slice(1);
      if (!NAME.test(sub)) this.fail('a sub-attribute name after "."', after);
      const tail = this.comparison({ attr: sub, pos: after.pos + 1 });
      return { op: 'valuePath', path, filter: { op: 'and', left: inner, right: tail } };
    }
    if (isOpWord(after)) {
      const tail = this.comparison({ attr: 'value', pos: after.pos, implicit: true });
      return { op: 'valuePath', path, filter: { op: 'and', left: inner, right: tail } };
    }
    return { op: 'valuePath', path, filter: inner };
  }

  patchPath(): PatchPath {
    const tok = this.next();
    const path = this.path(tok, false);
    if (this.peek().t !== '[') {
      this.expectEnd();
      return { path };
    }
    if (path.sub !== undefined) this.fail("an attribute without '.sub' before '['", tok);
    const open = this.next();
    this.enter(open);
    const filter = this.or(true);
    const close = this.peek();
    if (close.t !== ']') this.fail("']'");
    this.next();
    this.leave();
    const after = this.peek();
    if (after.t === 'eof') return { path, filter };
    if (after.t === 'word' && after.pos === close.end && after.v.startsWith('.')) {
      this.next();
      const sub = after.v.slice(1);
      if (!NAME.test(sub)) this.fail('a sub-attribute name after "."', after);
      if (this.peek().t !== 'eof') this.fail('the end of the path');
      return { path, filter, subAfterFilter: sub };
    }
    return this.fail("'.subAttr' or the end of the path", after);
  }
}

function checkLength(text: string, code: SyntaxCode): void {
  if (text.length > FILTER_LIMITS.maxLength)
    throw new ScimSyntaxError(
      code,
      FILTER_LIMITS.maxLength,
      `at most ${FILTER_LIMITS.maxLength} characters`,
      `${text.length} characters`,
    );
}

/** Parses a `filter` query parameter. Throws only `ScimSyntaxError` (invalid_filter). */
export function parseFilter(text: string): Filter {
  checkLength(text, 'invalid_filter');
  const p = new Parser(tokenize(text, 'invalid_filter'), 'invalid_filter');
  if (text.trim() === '') p.fail('a filter');
  const f = p.or(false);
  p.expectEnd();
  return f;
}

/** Parses a PATCH operation's `path`. Throws only `ScimSyntaxError` (invalid_path). */
export function parsePatchPath(text: string): PatchPath {
  checkLength(text, 'invalid_path');
  const p = new Parser(tokenize(text, 'invalid_path'), 'invalid_path');
  if (text.trim() === '') p.fail('an attribute path');
  return p.patchPath();
}

/** Parses one attribute path (`name.givenName`, `urn:…:User:manager`) as used by `attributes`, `sortBy` and path-less PATCH keys. */
export function parseAttrPath(text: string, code: SyntaxCode = 'invalid_path'): AttrPath {
  checkLength(text, code);
  const toks = tokenize(text, code);
  const p = new Parser(toks, code);
  const tok = toks[0] as Token;
  const path = p.path(tok, false);
  if (toks.length !== 2) p.fail('a single attribute path', toks[1]);
  return path;
}
