// A small HTTP/1.1 keep-alive load generator on raw sockets: requests are pre-serialised and
// responses parsed just enough (status, Content-Length or chunked framing) to time them.
import { connect } from 'node:net';

class Conn {
  constructor(port) {
    this.sock = connect(port, '127.0.0.1');
    this.sock.setNoDelay(true);
    this.buf = Buffer.alloc(0);
    this.pending = null;
    this.sock.on('data', (d) => this.onData(d));
    this.sock.on('error', (e) => this.pending?.reject(e));
    this.ready = new Promise((r) => this.sock.once('connect', r));
  }
  send(bytes) {
    return new Promise((resolve, reject) => {
      this.pending = {
        resolve,
        reject,
        start: process.hrtime.bigint(),
        ttfb: null,
        headerEnd: -1,
        status: 0,
        len: -1,
        chunked: false,
      };
      this.sock.write(bytes);
    });
  }
  onData(d) {
    const p = this.pending;
    if (!p) return;
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    if (p.headerEnd < 0) {
      const i = this.buf.indexOf('\r\n\r\n');
      if (i < 0) return;
      p.headerEnd = i + 4;
      const head = this.buf.subarray(0, i).toString('latin1');
      p.status = Number(head.slice(9, 12));
      const cl = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      p.len = cl ? Number(cl[1]) : -1;
      p.chunked = /\r\ntransfer-encoding:\s*chunked/i.test(head);
    }
    if (p.ttfb === null && this.buf.length > p.headerEnd) p.ttfb = process.hrtime.bigint();
    let done = false;
    if (p.len >= 0) done = this.buf.length >= p.headerEnd + p.len;
    else if (p.chunked)
      done =
        this.buf.length >= 5 &&
        this.buf.subarray(this.buf.length - 5).toString('latin1') === '0\r\n\r\n';
    if (done) {
      const end = process.hrtime.bigint();
      this.buf = Buffer.alloc(0);
      this.pending = null;
      p.resolve({
        status: p.status,
        ms: Number(end - p.start) / 1e6,
        ttfbMs: Number((p.ttfb ?? end) - p.start) / 1e6,
      });
    }
  }
  close() {
    this.sock.destroy();
  }
}

export function request(path, body, headers = {}) {
  const b = Buffer.from(JSON.stringify(body));
  const h = Object.entries({
    host: '127.0.0.1',
    'content-type': 'application/json',
    'content-length': b.length,
    ...headers,
  })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  return Buffer.concat([Buffer.from(`POST ${path} HTTP/1.1\r\n${h}\r\n`), b]);
}

/** `count` requests one after another on one connection. */
export async function sequential(port, bytes, count) {
  const c = new Conn(port);
  await c.ready;
  const out = [];
  for (let i = 0; i < count; i++) {
    const r = await c.send(bytes);
    if (r.status !== 200) throw new Error(`HTTP ${r.status}`);
    out.push(r);
  }
  c.close();
  return out;
}

/** `concurrency` connections sending back to back for `ms`; returns completed requests. */
export async function saturate(port, bytes, concurrency, ms) {
  const conns = Array.from({ length: concurrency }, () => new Conn(port));
  await Promise.all(conns.map((c) => c.ready));
  const until = Date.now() + ms;
  let done = 0;
  let errors = 0;
  await Promise.all(
    conns.map(async (c) => {
      while (Date.now() < until) {
        const r = await c.send(bytes);
        if (r.status === 200) done++;
        else errors++;
      }
    }),
  );
  for (const c of conns) c.close();
  return { done, errors };
}
