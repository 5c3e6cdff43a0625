/**
 * An incremental server-sent-events parser (the WHATWG event-stream rules that model
 * providers use): text goes in as it arrives, complete events come out, a partial event waits
 * for the rest. Comments (`: ping`) and `id:`/`retry:` fields are ignored.
 */
export class SseParser {
  private buffer = '';
  private event: string | null = null;
  private data: string[] = [];

  constructor(private readonly onEvent: (event: string | null, data: string) => void) {}

  feed(text: string): void {
    const all = this.buffer + text;
    let start = 0;
    for (;;) {
      const nl = all.indexOf('\n', start);
      if (nl < 0) break;
      const end = nl > start && all.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      this.line(all.slice(start, end));
      start = nl + 1;
    }
    this.buffer = start === 0 ? all : all.slice(start);
  }

  /** The stream ended: a final event without its blank line still counts. */
  end(): void {
    if (this.buffer) this.line(this.buffer.replace(/\r$/, ''));
    this.buffer = '';
    this.line('');
  }

  private line(line: string): void {
    if (line === '') {
      if (this.data.length > 0) this.onEvent(this.event, this.data.join('\n'));
      this.event = null;
      this.data = [];
      return;
    }
    if (line.charCodeAt(0) === 58) return; // ':' comment
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
  }
}
