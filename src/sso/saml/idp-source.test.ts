import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samlConnectionSchema } from '../../config/connection-schema.js';
import { idpSource } from './idp-source.js';
import { certificateBody, generateSpKeyPair } from './keys.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const first = generateSpKeyPair({ commonName: 'idp signing 1' });
const second = generateSpKeyPair({ commonName: 'idp signing 2' });

const metadata = (certs: string[]) => `<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="http://www.okta.com/exk1source">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">${certs
    .map(
      (c) =>
        `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${certificateBody(c)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`,
    )
    .join('')}
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`;

// A real loopback server: what it serves and how often it was asked are the test's levers.
let served = metadata([first.certificatePem]);
let status = 200;
let hits = 0;
let server: Server;
let url = '';
beforeAll(async () => {
  server = createServer((_req, res) => {
    hits += 1;
    res.writeHead(status, { 'content-type': 'application/samlmetadata+xml' }).end(served);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metadata`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const conn = (extra: Record<string, unknown>) =>
  samlConnectionSchema.parse({ id: 'okta', type: 'saml', ...extra });

describe('IdP metadata sources', () => {
  it('by URL: fetched once, cached for a day, refreshed after it', async () => {
    let clock = 0;
    const src = idpSource({ now: () => clock });
    const c = conn({ idp_metadata_url: url });
    const before = hits;
    const r1 = await src.resolve(c);
    expect(r1.ok && r1.resolved.idp.entityId).toBe('http://www.okta.com/exk1source');
    clock += 23 * HOUR;
    await src.resolve(c);
    expect(hits - before).toBe(1);
    clock += 2 * HOUR;
    await src.resolve(c);
    expect(hits - before).toBe(2);
  });

  it('a signature failure refetches at most once an hour; a certificate rollover is picked up', async () => {
    let clock = 0;
    served = metadata([first.certificatePem]);
    const src = idpSource({ now: () => clock });
    const c = conn({ idp_metadata_url: url });
    await src.resolve(c);
    // The IdP rolls over: old and new published together, both accepted.
    served = metadata([first.certificatePem, second.certificatePem]);
    const before = hits;
    const renewed = await src.refreshAfterSignatureFailure(c);
    expect(renewed?.idp.certificates).toHaveLength(2);
    expect(await src.refreshAfterSignatureFailure(c)).toBeNull();
    expect(hits - before).toBe(1);
    const now = await src.resolve(c);
    expect(now.ok && now.resolved.idp.certificates).toHaveLength(2);
    clock += HOUR + 1;
    // Nothing changed this time: refetched, but nothing new to report.
    expect(await src.refreshAfterSignatureFailure(c)).toBeNull();
    expect(hits - before).toBe(2);
  });

  it('a failed refresh keeps the last good metadata; a first failure is an error naming the URL', async () => {
    let clock = 0;
    served = metadata([first.certificatePem]);
    const src = idpSource({ now: () => clock });
    const c = conn({ idp_metadata_url: url });
    expect((await src.resolve(c)).ok).toBe(true);
    status = 503;
    clock += 2 * DAY;
    try {
      expect((await src.resolve(c)).ok).toBe(true);
      const fresh = idpSource({ now: () => 0 });
      const r = await fresh.resolve(c);
      expect(r.ok).toBe(false);
      expect(r.ok ? '' : r.message).toContain('HTTP 503');
    } finally {
      status = 200;
    }
  });

  it('pasted XML: Okta metadata and Entra Federation Metadata both import', async () => {
    const src = idpSource({ now: () => 0 });
    const read = (f: string) => readFileSync(new URL(`./fixtures/${f}`, import.meta.url), 'utf8');
    const okta = await src.resolve(conn({ idp_metadata_xml: read('okta-idp-metadata.xml') }));
    expect(okta.ok && okta.resolved.idp.entityId).toBe('http://www.okta.com/exk8gatehouse5d7');
    const entra = await src.resolve(
      conn({ idp_metadata_xml: read('entra-federation-metadata.xml') }),
    );
    expect(entra.ok && entra.resolved.idp.entityId).toMatch(/^https:\/\/sts\.windows\.net\//);
    expect(entra.ok && entra.resolved.source).toBe('metadata_xml');
    // Entra's logout answers come from login.microsoftonline.com, its assertions from sts.windows.net.
    expect(entra.ok && entra.resolved.idp.sloIssuer).toBe(
      'https://login.microsoftonline.com/9122040d-6c67-4c5b-b112-36a304b66dad/',
    );
    expect(okta.ok && okta.resolved.idp.sloIssuer).toBeUndefined();
  });

  it('by hand: SSO URL, entity id and several certificates; a bad certificate is refused', async () => {
    const src = idpSource({ now: () => 0 });
    const r = await src.resolve(
      conn({
        idp_sso_url: 'https://idp.example/sso',
        idp_entity_id: 'https://idp.example/',
        idp_certificates: [first.certificatePem, certificateBody(second.certificatePem)],
      }),
    );
    expect(r.ok && r.resolved.idp.certificates).toHaveLength(2);
    const bad = await src.resolve(
      conn({
        idp_sso_url: 'https://idp.example/sso',
        idp_entity_id: 'https://idp.example/',
        idp_certificates: ['not a certificate'],
      }),
    );
    expect(bad.ok).toBe(false);
  });
});
