import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeGraph, startFakeGraph } from '../../test/support/fake-graph.js';
import {
  type ClosableGraphClient,
  delegatedGraphClient,
  type GraphClientOptions,
  GraphError,
  microsoftGraphClient,
} from './microsoft-graph.js';

const guid = (prefix: string, n: number) =>
  `${prefix.padEnd(8, '0')}-0000-4000-8000-${String(n).padStart(12, '0')}`;
const gid = (n: number) => guid('9', n);
const oid = (n: number) => guid('a', n);
const SP = guid('5', 1);

let fake: FakeGraph;
let clients: ClosableGraphClient[];
let servers: Server[];
let sleeps: number[];

beforeEach(async () => {
  fake = await startFakeGraph();
  clients = [];
  servers = [];
  sleeps = [];
});

afterEach(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all(servers.map((s) => new Promise((ok) => s.close(ok).closeAllConnections())));
  await fake.close();
});

function appClient(opts: GraphClientOptions = {}, secret = fake.clientSecret) {
  const c = microsoftGraphClient(
    {
      base_url: fake.baseUrl,
      authority_host: fake.authorityHost,
      tenant_id: fake.tenantId,
      client_id: fake.clientId,
      client_secret: secret,
    },
    {
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      ...opts,
    },
  );
  clients.push(c);
  return c;
}

function delegated(token: string, baseUrl = fake.baseUrl, opts: GraphClientOptions = {}) {
  const c = delegatedGraphClient({ base_url: baseUrl }, token, {
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...opts,
  });
  clients.push(c);
  return c;
}

const graphRequests = (f = fake) => f.requests.filter((r) => r.url.startsWith('/v1.0/'));
const tokenRequests = (f = fake) => f.requests.filter((r) => r.url.includes('/oauth2/v2.0/token'));

async function graphError(p: Promise<unknown>): Promise<GraphError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(GraphError);
    return e as GraphError;
  }
  return expect.fail('expected a GraphError');
}

/** A loopback server answering every request with `handler`. */
async function rawServer(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const s = createServer(handler);
  servers.push(s);
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}/v1.0`;
}

function groups(n: number, prefix = 'Team'): string[] {
  const ids: string[] = [];
  for (let i = 1; i <= n; i++) {
    fake.addGroup(gid(i), `${prefix} ${i}`);
    ids.push(gid(i));
  }
  return ids;
}

describe('userGroups', () => {
  it('follows @odata.nextLink across pages and returns every group once', async () => {
    fake.pageSize = 2;
    for (const g of groups(5)) fake.addMember(g, oid(1));
    fake.addGroup(gid(99), 'Not mine');

    const got = await appClient().userGroups(oid(1));

    expect(got).toEqual([1, 2, 3, 4, 5].map((i) => ({ id: gid(i), displayName: `Team ${i}` })));
    const reqs = graphRequests();
    expect(reqs).toHaveLength(3);
    const first = new URL(reqs[0]?.url ?? '', 'http://x');
    expect(first.pathname).toBe(`/v1.0/users/${oid(1)}/transitiveMemberOf/microsoft.graph.group`);
    expect(first.searchParams.get('$select')).toBe('id,displayName');
    expect(first.searchParams.get('$top')).toBe('999');
    expect(reqs[1]?.url).toContain('$skiptoken=');
    for (const r of reqs) {
      expect(r.headers.accept).toBe('application/json');
      expect(r.headers.consistencylevel).toBeUndefined();
    }
  });

  it('includes groups reached through nesting, and survives a nesting cycle', async () => {
    const [outer, middle, inner, other] = groups(4);
    fake.nestGroup(outer as string, middle as string);
    fake.nestGroup(middle as string, inner as string);
    fake.addMember(inner as string, oid(1));
    fake.addMember(middle as string, oid(2));
    fake.addUser(oid(3));
    const client = appClient();

    const ids = async (u: string) => (await client.userGroups(u)).map((g) => g.id).sort();
    expect(await ids(oid(1))).toEqual([outer, middle, inner].sort());
    expect(await ids(oid(2))).toEqual([outer, middle].sort());
    expect(await ids(oid(3))).toEqual([]);

    fake.nestGroup(inner as string, outer as string); // cycle
    expect(await ids(oid(2))).toEqual([outer, middle, inner].sort());
    expect(await ids(oid(1))).not.toContain(other);
  });

  it('stops at maxPages', async () => {
    fake.pageSize = 1;
    for (const g of groups(4)) fake.addMember(g, oid(1));
    const err = await graphError(appClient({ maxPages: 3 }).userGroups(oid(1)));
    expect(err.code).toBe('too_many_pages');
    expect(graphRequests()).toHaveLength(3);
  });
});

describe('appAssignedGroups', () => {
  it('keeps only Group principals across pages, de-duplicated', async () => {
    fake.pageSize = 2;
    const [g1, g2, g3] = groups(3, 'App');
    fake.assignUserToApp(SP, oid(1));
    fake.assignToApp(SP, g1 as string);
    fake.assignUserToApp(SP, oid(2));
    fake.assignToApp(SP, g2 as string);
    fake.assignToApp(SP, g1 as string, guid('7', 1)); // second app role for the same group
    fake.assignUserToApp(SP, oid(3));
    fake.assignToApp(SP, g3 as string);

    const got = await appClient().appAssignedGroups(SP);

    expect(got).toEqual([
      { id: g1, displayName: 'App 1' },
      { id: g2, displayName: 'App 2' },
      { id: g3, displayName: 'App 3' },
    ]);
    expect(graphRequests()).toHaveLength(4);
    expect(graphRequests()[0]?.url).toMatch(
      new RegExp(`^/v1.0/servicePrincipals/${SP}/appRoleAssignedTo`),
    );
  });
});

describe('group', () => {
  it('returns the group, or null on 404', async () => {
    groups(1, 'Finance');
    const client = appClient();
    expect(await client.group(gid(1))).toEqual({ id: gid(1), displayName: 'Finance 1' });
    expect(await client.group(gid(2))).toBeNull();
    expect(new URL(graphRequests()[0]?.url ?? '', 'http://x').searchParams.get('$select')).toBe(
      'id,displayName',
    );
  });
});

describe('app-only token', () => {
  it('requests {origin}/.default once and reuses the token', async () => {
    groups(2);
    fake.addMember(gid(1), oid(1));
    fake.assignToApp(SP, gid(2));
    const client = appClient();

    await Promise.all([client.userGroups(oid(1)), client.group(gid(1)), client.group(gid(2))]);
    await client.appAssignedGroups(SP);
    await client.userGroups(oid(1));

    expect(fake.tokensIssued).toBe(1);
    expect(fake.tokenScopes).toEqual([`${new URL(fake.baseUrl).origin}/.default`]);
    const auths = new Set(graphRequests().map((r) => r.authorization));
    expect(auths.size).toBe(1);
    expect([...auths][0]).toMatch(/^Bearer \S+$/);
  });

  it('fetches a new token shortly before expires_in', async () => {
    groups(1);
    let now = 1_000_000;
    const client = appClient({ now: () => now });
    await client.group(gid(1));
    now += 3599_000 - 60_000 - 1;
    await client.group(gid(1));
    expect(fake.tokensIssued).toBe(1);
    now += 2;
    await client.group(gid(1));
    expect(fake.tokensIssued).toBe(2);
    const [a, b, c] = graphRequests().map((r) => r.authorization);
    expect(a).toBe(b);
    expect(c).not.toBe(b);
  });

  it('on 401 with a stale token refreshes once and retries', async () => {
    groups(1);
    const client = appClient();
    await client.group(gid(1));
    fake.revokeTokens();
    expect(await client.group(gid(1))).toEqual({ id: gid(1), displayName: 'Team 1' });
    expect(fake.tokensIssued).toBe(2);
    expect(graphRequests().map((r) => r.authorization)).toHaveLength(3);

    fake.failNext(5, 401); // still 401 after the refresh: give up, no loop
    const err = await graphError(client.group(gid(1)));
    expect(err).toMatchObject({ code: 'http_error', status: 401 });
    expect(fake.tokensIssued).toBe(3);
    expect(graphRequests()).toHaveLength(5);
  });

  it('invalid client secret → token_failed without the secret in the message', async () => {
    const secret = 'WrongSecretValue0123456789abcdefXYZ'; // nothing URL encoding would change
    const err = await graphError(appClient({}, secret).userGroups(oid(1)));
    expect(err.code).toBe('token_failed');
    expect(err.status).toBe(401);
    expect(err.remoteCode).toBe('invalid_client');
    expect(err.message).toContain('AADSTS7000215');
    expect(err.message).not.toContain(secret);
    expect(String(err.stack)).not.toContain(secret);
    expect(JSON.stringify(err)).not.toContain(secret);
    expect(graphRequests()).toHaveLength(0);
  });
});

describe('throttling', () => {
  it('429 with Retry-After waits that long and succeeds', async () => {
    groups(1);
    fake.throttleNext(2, 7);
    expect(await appClient().group(gid(1))).not.toBeNull();
    expect(sleeps).toEqual([7000, 7000]);
    expect(graphRequests()).toHaveLength(3);
  });

  it('caps Retry-After at maxRetryAfterMs', async () => {
    groups(1);
    fake.throttleNext(1, 600);
    await appClient({ maxRetryAfterMs: 30_000 }).group(gid(1));
    expect(sleeps).toEqual([30_000]);
  });

  it('429 without Retry-After, and 503, back off exponentially', async () => {
    groups(1);
    fake.throttleNext(3, null);
    const client = appClient();
    await client.group(gid(1));
    expect(sleeps).toHaveLength(3);
    const [s1, s2, s3] = sleeps as [number, number, number];
    expect(s1).toBeGreaterThanOrEqual(1000);
    expect(s1).toBeLessThanOrEqual(1250);
    expect(s2).toBeGreaterThanOrEqual(2000);
    expect(s2).toBeLessThanOrEqual(2500);
    expect(s3).toBeGreaterThanOrEqual(4000);
    expect(s3).toBeLessThanOrEqual(5000);

    sleeps.length = 0;
    fake.failNext(1, 503);
    expect(await client.group(gid(1))).not.toBeNull();
    expect(sleeps).toHaveLength(1);
  });

  it('gives up after maxRetries with GraphError(throttled)', async () => {
    fake.throttleNext(10, 1);
    const err = await graphError(appClient({ maxRetries: 2 }).userGroups(oid(1)));
    expect(err).toMatchObject({ code: 'throttled', status: 429, remoteCode: 'TooManyRequests' });
    expect(sleeps).toEqual([1000, 1000]);
    expect(graphRequests()).toHaveLength(3);
  });
});

describe('errors', () => {
  it('maps 5xx and 404 to http_error with Graph error code, without retrying', async () => {
    groups(1);
    const client = appClient();
    fake.failNext(1, 500);
    const e500 = await graphError(client.group(gid(1)));
    expect(e500).toMatchObject({ code: 'http_error', status: 500, remoteCode: 'generalException' });
    expect(graphRequests()).toHaveLength(1);

    const e404 = await graphError(client.userGroups(oid(42)));
    expect(e404).toMatchObject({ code: 'http_error', status: 404 });
    expect(e404.message).toContain('Request_ResourceNotFound');

    fake.failNext(1, 403);
    expect(await graphError(client.appAssignedGroups(SP))).toMatchObject({ status: 403 });
  });

  it('malformed JSON or a missing value array → bad_response', async () => {
    let body = 'not json';
    const base = await rawServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    });
    const client = delegated('t', base);
    expect((await graphError(client.userGroups(oid(1)))).code).toBe('bad_response');
    body = '{"@odata.context":"x"}';
    expect((await graphError(client.userGroups(oid(1)))).code).toBe('bad_response');
    body = '{"value":[{"id":"../../etc","displayName":"x"}]}';
    expect((await graphError(client.userGroups(oid(1)))).code).toBe('bad_response');
    body = '[]';
    expect((await graphError(client.group(gid(1)))).code).toBe('bad_response');
  });

  it('connection refused and timeouts → network', async () => {
    const base = await rawServer(() => {}); // never answers
    const slow = await graphError(delegated('t', base, { timeoutMs: 150 }).group(gid(1)));
    expect(slow.code).toBe('network');

    const closed = await rawServer(() => {});
    const s = servers.pop() as Server;
    await new Promise((ok) => s.close(ok));
    expect((await graphError(delegated('t', closed).group(gid(1)))).code).toBe('network');
  });

  it.each(['../x', 'a/b', '..', '', '%2e%2e', 'a?b=1', 'a#b', 'x'.repeat(65)])(
    'rejects id %j before any request',
    async (bad) => {
      const client = appClient();
      for (const call of [client.userGroups, client.appAssignedGroups, client.group]) {
        const err = await graphError(call(bad));
        expect(err.code).toBe('bad_request');
      }
      expect(fake.requests).toHaveLength(0);
    },
  );

  it('rejects a non-https, non-loopback base_url', () => {
    expect(() =>
      delegatedGraphClient({ base_url: 'http://graph.microsoft.com/v1.0' }, 't'),
    ).toThrowError(GraphError);
  });
});

describe('nextLink safety', () => {
  it('refuses a nextLink to another origin, which then receives nothing', async () => {
    const other = await startFakeGraph();
    try {
      groups(1);
      fake.addMember(gid(1), oid(1));
      fake.hostileNextLink(
        `${other.baseUrl}/users/${oid(1)}/transitiveMemberOf/microsoft.graph.group?$skiptoken=x`,
      );
      const err = await graphError(appClient().userGroups(oid(1)));
      expect(err.code).toBe('unsafe_next_link');
      expect(other.requests).toHaveLength(0);
      expect(graphRequests()).toHaveLength(1);
    } finally {
      await other.close();
    }
  });

  it.each([
    ['another path on the same origin', (f: FakeGraph) => `${f.authorityHost}/beta/groups?a=1`],
    ['a dot-segment escape', (f: FakeGraph) => `${f.baseUrl}/../token?a=1`],
    ['a lookalike prefix', (f: FakeGraph) => `${f.authorityHost}/v1.0evil/groups`],
    ['credentials in the URL', (f: FakeGraph) => f.baseUrl.replace('//', '//u:p@')],
    ['a relative URL', () => '/v1.0/groups'],
  ])('refuses %s', async (_name, link) => {
    groups(1);
    fake.addMember(gid(1), oid(1));
    fake.hostileNextLink(link(fake));
    expect((await graphError(appClient().userGroups(oid(1)))).code).toBe('unsafe_next_link');
    expect(graphRequests()).toHaveLength(1);
  });
});

describe('delegatedGraphClient', () => {
  it('sends the given token and never calls the token endpoint', async () => {
    groups(2);
    fake.addMember(gid(1), oid(1));
    fake.assignToApp(SP, gid(2));
    const token = fake.issueDelegatedToken();
    const client = delegated(token);

    expect(await client.userGroups(oid(1))).toEqual([{ id: gid(1), displayName: 'Team 1' }]);
    expect(await client.appAssignedGroups(SP)).toEqual([{ id: gid(2), displayName: 'Team 2' }]);
    expect(await client.group(gid(2))).toEqual({ id: gid(2), displayName: 'Team 2' });

    fake.revokeTokens();
    expect(await graphError(client.group(gid(2)))).toMatchObject({
      code: 'http_error',
      status: 401,
    });

    expect(graphRequests()).toHaveLength(4);
    expect(graphRequests().every((r) => r.authorization === `Bearer ${token}`)).toBe(true);
    expect(tokenRequests()).toHaveLength(0);
    expect(fake.tokensIssued).toBe(0);
  });
});
