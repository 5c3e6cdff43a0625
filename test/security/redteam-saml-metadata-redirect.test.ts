import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SsoTestApp, ssoTestApp } from '../support/oidc-idp/gatehouse.js';
import { createAndTest } from '../support/saml-idp/gatehouse.js';

/**
 * Red team: an IdP metadata URL that redirects. The metadata fetch followed redirects, so a
 * metadata host (or anyone on the path of an http:// URL) could point Gatehouse at an internal
 * address (cloud metadata at 169.254.169.254, an admin port on loopback) and read the answer's
 * status back through Test connection. The OIDC side never follows redirects; neither may this.
 */
const METADATA = readFileSync('src/sso/saml/fixtures/okta-idp-metadata.xml', 'utf8');

let internalHits = 0;
let internal: Server;
let outside: Server;
let outsideBase = '';

const listen = async (s: Server) => {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
};

beforeAll(async () => {
  // Stands in for an internal service: it answers valid metadata, so following is visible.
  internal = createServer((_req, res) => {
    internalHits += 1;
    res.writeHead(200, { 'content-type': 'application/samlmetadata+xml' }).end(METADATA);
  });
  const internalBase = await listen(internal);
  outside = createServer((req, res) => {
    if (req.url === '/metadata') {
      res.writeHead(200, { 'content-type': 'application/samlmetadata+xml' }).end(METADATA);
      return;
    }
    res.writeHead(302, { location: `${internalBase}/latest/meta-data/` }).end();
  });
  outsideBase = await listen(outside);
});
afterAll(async () => {
  await Promise.all([internal, outside].map((s) => new Promise<void>((r) => s.close(() => r()))));
});

describe('red team: IdP metadata URL that redirects', () => {
  let t: SsoTestApp;
  beforeAll(async () => {
    t = await ssoTestApp('sqlite', {});
  });
  afterAll(async () => t?.close());

  const metadataCheck = async (id: string, url: string) =>
    (await createAndTest(t, id, url)).checks.find((c) => c.check === 'idp_metadata');

  it('control: a metadata URL that answers directly is fetched', async () => {
    expect((await metadataCheck('redir-control', `${outsideBase}/metadata`))?.status).toBe('ok');
  });

  it('attack: a redirect to an internal address is not followed, and says so', async () => {
    internalHits = 0;
    const check = await metadataCheck('redir-internal', `${outsideBase}/moved`);
    expect(internalHits).toBe(0);
    expect(check?.status).toBe('error');
    expect(check?.message).toMatch(/redirect/i);
    // Sign-in fetches the same URL: it must not follow either.
    const signIn = await fetch(t.at('/sso/redir-internal/login'), { redirect: 'manual' });
    expect(signIn.status).toBeLessThan(500);
    expect(signIn.status).not.toBe(302);
    expect(internalHits).toBe(0);
  });
});
