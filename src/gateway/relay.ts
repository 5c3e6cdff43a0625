import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { StreamTranslator } from './providers/types.js';
import { SseParser } from './sse.js';

export type RelayEnd = 'done' | 'aborted' | 'failed';

export function startEventStream(res: ServerResponse, requestId: string): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-request-id': requestId,
  });
}

/** Back-pressure: wait for the client to take more; a disconnect (the signal) ends the wait. */
async function write(res: ServerResponse, text: string, signal: AbortSignal): Promise<void> {
  if (!res.write(text)) await once(res, 'drain', { signal });
}

/**
 * Relays an upstream event stream to the client, writing each event's translation as soon as
 * the event is complete: nothing is held back beyond a partial event. A client disconnect has
 * already aborted the upstream (the signal), which ends the loop.
 */
export async function relay(
  res: ServerResponse,
  body: Readable,
  t: StreamTranslator,
  signal: AbortSignal,
): Promise<RelayEnd> {
  let out = '';
  const parser = new SseParser((name, data) => {
    out += t.event(name, data);
  });
  const decoder = new TextDecoder();
  try {
    for await (const chunk of body) {
      parser.feed(decoder.decode(chunk as Buffer, { stream: true }));
      if (out) {
        const text = out;
        out = '';
        await write(res, text, signal);
      }
    }
    parser.feed(decoder.decode());
    parser.end();
    res.end(out + t.end());
    return t.failed ? 'failed' : 'done';
  } catch {
    if (signal.aborted || res.destroyed) return 'aborted';
    const error = {
      error: {
        message: 'The model provider broke off the stream.',
        type: 'api_error',
        param: null,
        code: 'upstream_error',
      },
    };
    res.end(`${out}data: ${JSON.stringify(error)}\n\n`);
    return 'failed';
  }
}

/** Locally generated events (the fake provider), with the same back-pressure. */
export async function writeEvents(
  res: ServerResponse,
  events: readonly string[],
  signal: AbortSignal,
): Promise<RelayEnd> {
  try {
    for (const e of events) {
      if (signal.aborted) return 'aborted';
      await write(res, e, signal);
    }
  } catch {
    return 'aborted';
  }
  res.end();
  return 'done';
}
