import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  anthropicError,
  anthropicMessage,
  anthropicStream,
  type MockUsage,
  openAiCompletion,
  openAiEmbeddings,
  openAiError,
  openAiStream,
} from './formats.js';

export type Format = 'openai' | 'azure' | 'anthropic';

export interface Recorded {
  format: Format;
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
  /** True when the caller closed the connection before the mock finished answering. */
  aborted: boolean;
  finished: boolean;
}

/** What the mock does with one request. */
export type Behaviour =
  | { kind: 'ok'; text?: string; usage?: MockUsage; toolUse?: { name: string; input: unknown } }
  | {
      kind: 'error';
      status: number;
      message?: string;
      type?: string;
      headers?: Record<string, string>;
    }
  /** Accepts the request and never answers (timeouts). */
  | { kind: 'hang' }
  /** Streams the first event, waits for `release`, then the rest. */
  | { kind: 'gate'; release: Promise<void>; usage?: MockUsage }
  /** Closes the socket without an answer (connection errors). */
  | { kind: 'reset' };

export interface MockUpstream {
  url: string;
  requests: Recorded[];
  /** The usage the mock reported, request by request (streams included). */
  reported: MockUsage[];
  /** Behaviours for the next requests, in order; then `fallback`. */
  next(...b: Behaviour[]): void;
  fallback: (r: Recorded, n: number) => Behaviour;
  /** Resolves once `n` requests have been aborted by the caller. */
  waitForAborts(n: number): Promise<void>;
  close(): Promise<void>;
}

/** Usage that differs request by request, so that sums cannot come out right by accident. */
export const variedUsage = (n: number): MockUsage => ({
  prompt: 11 + ((n * 7) % 23),
  completion: 5 + ((n * 5) % 17),
});

function formatOf(path: string): Format | null {
  if (path === '/v1/messages') return 'anthropic';
  if (path.startsWith('/openai/deployments/')) return 'azure';
  if (path.startsWith('/v1/')) return 'openai';
  return null;
}

export async function startMockUpstream(): Promise<MockUpstream> {
  const queue: Behaviour[] = [];
  const requests: Recorded[] = [];
  const reported: MockUsage[] = [];
  const abortWaiters: { n: number; resolve: () => void }[] = [];
  let count = 0;
  const sockets = new Set<import('node:net').Socket>();

  const checkAborts = () => {
    const aborted = requests.filter((r) => r.aborted).length;
    for (const w of [...abortWaiters]) {
      if (aborted >= w.n) {
        abortWaiters.splice(abortWaiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };

  const mock: MockUpstream = {
    url: '',
    requests,
    reported,
    next: (...b) => queue.push(...b),
    fallback: (_r, n) => ({ kind: 'ok', usage: variedUsage(n) }),
    waitForAborts: (n) =>
      new Promise((resolve) => {
        abortWaiters.push({ n, resolve });
        checkAborts();
      }),
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };

  async function answer(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const path = (req.url ?? '').split('?')[0] ?? '';
    const format = formatOf(path);
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    } catch {
      body = {};
    }
    const rec: Recorded = {
      format: format ?? 'openai',
      path: req.url ?? '',
      headers: req.headers,
      body,
      aborted: false,
      finished: false,
    };
    requests.push(rec);
    res.on('close', () => {
      if (!res.writableFinished) {
        rec.aborted = true;
        checkAborts();
      }
    });
    if (!format) {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify(openAiError('no route', 'not_found')));
      return;
    }
    const n = count++;
    const b = queue.shift() ?? mock.fallback(rec, n);
    if (b.kind === 'hang') return;
    if (b.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (b.kind === 'error') {
      const payload =
        format === 'anthropic'
          ? anthropicError(b.type ?? 'api_error', b.message ?? 'mock failure')
          : openAiError(b.message ?? 'mock failure', b.type ?? 'server_error');
      res
        .writeHead(b.status, { 'content-type': 'application/json', ...b.headers })
        .end(JSON.stringify(payload));
      rec.finished = true;
      return;
    }
    const usage = b.usage ?? variedUsage(n);
    const model = String(body.model ?? path);
    const text = b.kind === 'ok' ? (b.text ?? `mock reply ${n}`) : `gated reply ${n}`;
    const parts = text.split(/(?<= )/);
    const isEmbeddings = path.endsWith('/embeddings');
    if (body.stream === true) {
      const includeUsage =
        format === 'anthropic' ||
        (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
      if (includeUsage) reported.push(usage);
      const events =
        format === 'anthropic'
          ? anthropicStream(model, parts, usage)
          : openAiStream(model, parts, usage, includeUsage);
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.flushHeaders();
      const [first, ...rest] = events;
      res.write(first);
      if (b.kind === 'gate') await b.release;
      for (const e of rest) {
        if (res.destroyed) return;
        res.write(e);
      }
      res.end();
      rec.finished = true;
      return;
    }
    reported.push(usage);
    const payload =
      format === 'anthropic'
        ? anthropicMessage(model, text, usage, b.kind === 'ok' ? b.toolUse : undefined)
        : isEmbeddings
          ? openAiEmbeddings(model, ([] as string[]).concat(body.input as string), usage)
          : openAiCompletion(model, text, usage);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
    rec.finished = true;
  }

  const server: Server = createServer((req, res) => {
    answer(req, res).catch(() => res.destroy());
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  mock.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return mock;
}
