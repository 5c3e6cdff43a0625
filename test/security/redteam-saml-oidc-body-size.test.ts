import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SsoTestApp, ssoTestApp } from '../support/oidc-idp/gatehouse.js';

/**
 * Red team, the OIDC side of the metadata-size finding: discovery documents, JWKS and token
 * answers were read whole (`res.json()`), whatever their size. An issuer that streams a
 * never-ending JSON body must be hung up on at the cap, not buffered.
 */
const TOTAL = 24 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, ' ');
let sent = 0;
let server: Server;
let issuer = '';

/** A discovery document padded with 24 MB of whitespace, chunked, no Content-Length. */
function streamHuge(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.write(`{"issuer":"${issuer}",`);
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
    if (!stopped) {
      res.end(
        `"authorization_endpoint":"${issuer}/auth","token_endpoint":"${issuer}/token","jwks_uri":"${issuer}/jwks","response_types_supported":["code"],"subject_types_supported":["public"],"id_token_signing_alg_values_supported":["RS256"]}`,
      );
    }
  };
  pump();
}

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/.well-known/openid-configuration') return streamHuge(res);
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('red team: OIDC issuer with an unbounded discovery body', () => {
  let t: SsoTestApp;
  beforeAll(async () => {
    t = await ssoTestApp('sqlite', {});
  });
  afterAll(async () => t?.close());

  it('attack: a chunked 24 MB discovery document is cut off, not read to the end', async () => {
    const made = await t.call({
      method: 'POST',
      url: '/api/v1/sso/connections',
      payload: { id: 'huge-oidc', type: 'oidc', issuer, client_id: 'c', client_secret: 's3cret' },
    });
    expect(made.statusCode, made.body).toBe(201);
    sent = 0;
    const r = await t.call({
      method: 'POST',
      url: '/api/v1/sso/connections/huge-oidc/test',
      payload: {},
    });
    expect(r.statusCode, r.body).toBe(200);
    const body = JSON.parse(r.body) as { status: string };
    expect(body.status).toBe('error');
    expect(sent).toBeLessThan(TOTAL);
    const signIn = await fetch(t.at('/sso/huge-oidc/login'), { redirect: 'manual' });
    expect(signIn.status).toBeLessThan(500);
    expect(signIn.status).not.toBe(302);
  });
});
