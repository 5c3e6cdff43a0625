import { readFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SsoTestApp, ssoTestApp } from '../support/oidc-idp/gatehouse.js';
import { createAndTest } from '../support/saml-idp/gatehouse.js';

/**
 * Red team: an IdP metadata URL that answers a huge body without Content-Length (chunked).
 * Gatehouse fetches it at the first sign-in and on Test connection; whoever answers that URL
 * (the IdP host, or anyone on the path of an http:// URL) must not be able to make Gatehouse
 * buffer an unbounded body in memory.
 */
const METADATA = readFileSync('src/sso/saml/fixtures/okta-idp-metadata.xml', 'utf8');
const TOTAL = 24 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 'a');

let sent = 0;
let server: Server;
let base = '';

/** Valid metadata with a 24 MB comment inside, streamed chunk by chunk without a length. */
function streamHuge(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/samlmetadata+xml' });
  const close = METADATA.lastIndexOf('</md:EntityDescriptor>');
  res.write(`${METADATA.slice(0, close)}<!--`);
  let stopped = false;
  res.on('close', () => {
    stopped = true;
  });
  const pump = (): void => {
    while (!stopped && sent < TOTAL) {
      sent += CHUNK.length;
      if (!res.write(CHUNK)) {
        res.once('drain', pump);
        return;
      }
    }
    if (!stopped) res.end(`-->${METADATA.slice(close)}`);
  };
  pump();
}

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/huge') return streamHuge(res);
    res.writeHead(200, { 'content-type': 'application/samlmetadata+xml' }).end(METADATA);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('red team: IdP metadata URL with an unbounded body', () => {
  let t: SsoTestApp;
  beforeAll(async () => {
    t = await ssoTestApp('sqlite', {});
  });
  afterAll(async () => t?.close());

  const testConnection = (id: string, url: string) => createAndTest(t, id, url);

  it('control: the same metadata of normal size is fetched and accepted', async () => {
    const r = await testConnection('meta-normal', `${base}/normal`);
    expect(r.checks.find((c) => c.check === 'idp_metadata')?.status).toBe('ok');
  });

  it('attack: a chunked 24 MB answer is cut off at the 1 MB cap, not read to the end', async () => {
    sent = 0;
    const r = await testConnection('meta-huge', `${base}/huge`);
    const check = r.checks.find((c) => c.check === 'idp_metadata');
    expect(check?.status).toBe('error');
    expect(check?.message).toMatch(/larger than 1 MB/);
    // Gatehouse hung up early: the server never got to write the whole body.
    expect(sent).toBeLessThan(TOTAL);
    const signIn = await fetch(t.at('/sso/meta-huge/login'), { redirect: 'manual' });
    expect(signIn.status).not.toBe(302);
    expect(signIn.status).toBeLessThan(500);
  });
});
