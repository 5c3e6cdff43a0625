import { ScimSyntaxError } from '../errors.js';

export type Token =
  | { t: 'word'; v: string; pos: number; end: number }
  | { t: 'string'; v: string; pos: number; end: number }
  | { t: '(' | ')' | '[' | ']'; pos: number; end: number }
  | { t: 'eof'; pos: number; end: number };

export type SyntaxCode = 'invalid_filter' | 'invalid_path';

const PUNCT = new Set(['(', ')', '[', ']']);
const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r';

export function describe(tok: Token): string {
  switch (tok.t) {
    case 'eof':
      return 'the end of the text';
    case 'word':
      return `'${tok.v.length > 40 ? `${tok.v.slice(0, 40)}…` : tok.v}'`;
    case 'string':
      return 'a string';
    default:
      return `'${tok.t}'`;
  }
}

/** Ends at the closing quote, skipping escaped characters; the text between is JSON-decoded. */
function readString(text: string, start: number, code: SyntaxCode): Token {
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\') i += 2;
    else if (c === '"') break;
    else i++;
  }
  if (i >= text.length) throw new ScimSyntaxError(code, start, 'a closing quote', 'none');
  const raw = text.slice(start, i + 1);
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw new ScimSyntaxError(code, start, 'a valid JSON string', 'a bad escape sequence');
  }
  return { t: 'string', v: String(v), pos: start, end: i + 1 };
}

/**
 * Words are runs of anything but space, quotes and brackets: attribute paths (with URNs and
 * dots), operators, and bare values such as `example.com` or `2015-10-10T14:38:21-07:00`,
 * which Microsoft's clients send unquoted.
 */
export function tokenize(text: string, code: SyntaxCode): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (isSpace(c)) {
      i++;
    } else if (PUNCT.has(c)) {
      out.push({ t: c as '(' | ')' | '[' | ']', pos: i, end: i + 1 });
      i++;
    } else if (c === '"') {
      const tok = readString(text, i, code);
      out.push(tok);
      i = tok.end;
    } else {
      const start = i;
      while (i < text.length) {
        const d = text[i] as string;
        if (isSpace(d) || PUNCT.has(d) || d === '"') break;
        i++;
      }
      out.push({ t: 'word', v: text.slice(start, i), pos: start, end: i });
    }
  }
  out.push({ t: 'eof', pos: text.length, end: text.length });
  return out;
}
