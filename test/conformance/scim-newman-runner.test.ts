import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CAUSES,
  DEVIATIONS,
  environmentFor,
  preparedCollection,
  REQUIRED_VARIABLES,
  runMicrosoftCollection,
} from '../support/scim-newman.js';

interface Item {
  name: string;
  item?: Item[];
  event?: { listen: string; script: { exec?: string[] } }[];
}

function leaves(items: Item[]): Item[] {
  return items.flatMap((i) => (i.item ? leaves(i.item) : [i]));
}

const collection = preparedCollection();
const text = JSON.stringify(collection);
const requests = leaves(collection.item);

/** Variables a script of the collection sets (pm.environment.set / setEnvironmentVariable). */
const scriptSet = new Set(
  [...text.matchAll(/(?:environment\.set|setEnvironmentVariable)\(\\?"(\w+)\\?"/g)].map(
    (m) => m[1],
  ),
);

describe("Microsoft's SCIM collection, as Gatehouse runs it", () => {
  it('every variable it uses is passed in, set by its own scripts, or a Postman dynamic one', () => {
    const used = new Set([...text.matchAll(/\{\{(\$?\w+)\}\}/g)].map((m) => m[1] as string));
    const unknown = [...used].filter(
      (v) =>
        !v.startsWith('$') &&
        !(REQUIRED_VARIABLES as readonly string[]).includes(v) &&
        !scriptSet.has(v),
    );
    expect(unknown).toEqual([]);
    for (const v of REQUIRED_VARIABLES) expect(used.has(v)).toBe(true);
  });

  it('is adapted: no token folder, no stale URL, no unexpanded JMeter placeholder', () => {
    expect(collection.item.map((i) => i.name)).not.toContain('Get Token');
    expect(text).not.toContain('serviceConfiguration');
    expect(text).not.toContain(['$', '{__UUID}'].join(''));
    expect(text).toContain('/ServiceProviderConfig');
    expect(requests.length).toBe(78);
  });

  it('each deviation names a request and an assertion that exist, with a documented cause', () => {
    for (const d of DEVIATIONS) {
      const req = requests.filter((r) => r.name === d.request);
      expect(req.length, d.request).toBeGreaterThan(0);
      const scripts = JSON.stringify(req.map((r) => r.event));
      expect(scripts, `${d.request} / ${d.assertion}`).toContain(`pm.test(\\"${d.assertion}\\"`);
      expect(CAUSES[d.cause]).toBeTruthy();
    }
  });

  it('the base URL becomes the collection variables', () => {
    expect(environmentFor('http://127.0.0.1:4321/scim/v2', 'tok')).toEqual([
      { key: 'Protocol', value: 'http' },
      { key: 'Server', value: '127.0.0.1' },
      { key: 'Port', value: ':4321' },
      { key: 'Api', value: 'scim/v2' },
      { key: 'token', value: 'tok' },
    ]);
    expect(environmentFor('https://gw.acme.com/scim/v2/', 't')[2]).toEqual({
      key: 'Port',
      value: '',
    });
  });
});

describe('the runner against a server that knows no SCIM (it must report, not pass)', () => {
  let server: Server;
  let base: string;
  const seen: { method: string; url: string; auth: string | undefined }[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', auth: req.headers.authorization });
      req.resume();
      res.writeHead(404, { 'content-type': 'application/scim+json' });
      res.end('{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"404"}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/scim/v2`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('sends every request with the token, and reports the failures as unexpected', async () => {
    const result = await runMicrosoftCollection({ baseUrl: base, token: 'the-token' });
    expect(result.requests).toBe(requests.length);
    expect(seen.length).toBe(requests.length);
    expect(seen.filter((s) => s.auth !== 'Bearer the-token')).toEqual([]);
    expect(seen.every((s) => s.url.startsWith('/scim/v2/'))).toBe(true);
    expect(seen.some((s) => s.url === '/scim/v2/ServiceProviderConfig')).toBe(true);
    expect(result.assertions).toBeGreaterThan(90);
    expect(result.unexpected.length).toBeGreaterThan(50);
    expect(result.unexpected).toContainEqual(
      expect.objectContaining({ request: 'Get ResourceTypes', assertion: 'Status code is 200' }),
    );
  });
});
