import { describe, expect, it } from 'vitest';
import { SseParser } from './sse.js';

const parse = (pieces: string[]) => {
  const out: [string | null, string][] = [];
  const p = new SseParser((e, d) => out.push([e, d]));
  for (const x of pieces) p.feed(x);
  p.end();
  return out;
};

describe('SSE parser', () => {
  it('yields events however the bytes are split', () => {
    const text = 'event: a\ndata: {"x":1}\n\ndata: two\ndata: lines\n\n: ping\n\ndata: [DONE]\n\n';
    const whole = parse([text]);
    expect(whole).toEqual([
      ['a', '{"x":1}'],
      [null, 'two\nlines'],
      [null, '[DONE]'],
    ]);
    for (let cut = 1; cut < text.length; cut++) {
      expect(parse([text.slice(0, cut), text.slice(cut)])).toEqual(whole);
    }
  });

  it('accepts CRLF line ends and a last event without its blank line', () => {
    expect(parse(['data: a\r\n\r\ndata: b'])).toEqual([
      [null, 'a'],
      [null, 'b'],
    ]);
  });

  it('holds back only the partial event', () => {
    const out: string[] = [];
    const p = new SseParser((_e, d) => out.push(d));
    p.feed('data: one\n\ndata: tw');
    expect(out).toEqual(['one']);
    p.feed('o\n\n');
    expect(out).toEqual(['one', 'two']);
  });
});
