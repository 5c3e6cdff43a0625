import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scimPlugin } from '../../src/scim/http/plugin.js';
import { dialects } from '../support/db.js';
import {
  asUser,
  ENTERPRISE_URN,
  expectScim,
  expectScimError,
  GROUP_URN,
  LIST_URN,
  PATCH_OP,
  type ScimRig,
  scimRig,
  USER_URN,
} from '../support/scim.js';

/** The /scim/v2 surface itself: declarations, content types, discovery, versions, search. */
describe.each(dialects())('the SCIM surface (%s)', (dialect) => {
  let r: ScimRig;
  beforeAll(async () => {
    r = await scimRig(dialect);
  });
  afterAll(async () => r?.close());

  it('a SCIM route that declares no authentication makes start-up fail', async () => {
    const app = Fastify({ logger: false });
    const services = r.t.services;
    const plugin = scimPlugin(
      {
        ctx: services.ctx,
        users: services.users,
        teams: services.teams,
        tokens: services.scim.tokens,
        activity: services.scim.activity,
        baseUrl: 'http://x/scim/v2',
        rateLimit: { perSecond: 1, burst: 1 },
      },
      [(a) => a.get('/Open', async () => ({ open: true }))],
    );
    await expect(app.register(plugin, { prefix: '/scim/v2' }).ready()).rejects.toThrow(
      'SCIM route GET /scim/v2/Open declares no authentication',
    );
    await app.close().catch(() => undefined);
  });

  it('answers application/scim+json, and takes application/json as well', async () => {
    const res = await r.scim.send(
      'POST',
      '/Users',
      { schemas: [USER_URN], userName: `plain.${dialect}@acme.com` },
      { 'content-type': 'application/json' },
    );
    expectScim(res, 201);
    expect(res.headers.get('content-type')).toBe('application/scim+json; charset=utf-8');
    const list = await r.scim.send('GET', '/Users', undefined, {
      'content-type': 'application/scim+json',
    });
    expect(list.headers.get('content-type')).toMatch(/^application\/scim\+json/);
    // Okta and Entra send a content type on DELETE, with no body.
    const del = await r.scim.send('DELETE', `/Users/${res.body.id}`, undefined, {
      'content-type': 'application/scim+json; charset=utf-8',
    });
    expect(del.status).toBe(204);
  });

  it('discovery needs no token and lists User (with the enterprise extension) first', async () => {
    const anon = { authorization: '' };
    const spc = expectScim(
      await r.scim.send('GET', '/ServiceProviderConfig', undefined, anon),
      200,
    );
    expect(spc).toMatchObject({
      patch: { supported: true },
      bulk: { supported: false },
      etag: { supported: true },
    });
    const types = expectScim(await r.scim.send('GET', '/ResourceTypes', undefined, anon), 200);
    expect(types.Resources?.map((t) => t.endpoint)).toEqual(['/Users', '/Groups']);
    expect(
      expectScim(await r.scim.send('GET', '/ResourceTypes/Group', undefined, anon), 200).name,
    ).toBe('Group');
    const schemas = expectScim(await r.scim.send('GET', '/Schemas', undefined, anon), 200);
    expect(schemas.Resources?.map((s) => s.id)).toEqual([USER_URN, ENTERPRISE_URN, GROUP_URN]);
    expect(
      expectScim(await r.scim.send('GET', `/Schemas/${USER_URN}`, undefined, anon), 200).name,
    ).toBe('User');
    expectScimError(await r.scim.send('GET', '/Schemas/urn:nope', undefined, anon), 404);
    expectScimError(await r.scim.send('GET', '/ResourceTypes/Device', undefined, anon), 404);
    expect((spc.meta as { location: string }).location).toBe(
      'http://localhost:4000/scim/v2/ServiceProviderConfig',
    );
  });

  it('ETag is the version; If-Match with an old one is 412 and changes nothing; * and the current one pass', async () => {
    const created = await r.scim.send('POST', '/Users', {
      schemas: [USER_URN],
      userName: `etag.${dialect}@acme.com`,
    });
    const u = asUser(expectScim(created, 201));
    expect(created.headers.get('etag')).toBe(u.meta.version);
    const change = (value: string, ifMatch: string) =>
      r.scim.send(
        'PATCH',
        `/Users/${u.id}`,
        { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value }] },
        { 'if-match': ifMatch },
      );
    const first = asUser(expectScim(await change('One', u.meta.version), 200));
    expect(first.meta.version).not.toBe(u.meta.version);
    const stale = await change('Two', u.meta.version);
    expectScimError(stale, 412);
    expect(asUser(expectScim(await r.scim.send('GET', `/Users/${u.id}`), 200)).title).toBe('One');
    expectScim(await change('Three', '*'), 200);
    const g = await r.scim.send('GET', `/Users/${u.id}`);
    expectScim(
      await change('Four', `"${(g.headers.get('etag') ?? '').replace(/^W\/"|"$/g, '')}"`),
      200,
    );
    expectScimError(
      await r.scim.send('DELETE', `/Users/${u.id}`, undefined, { 'if-match': u.meta.version }),
      412,
    );
    expectScim(await r.scim.send('GET', `/Users/${u.id}`), 200);
  });

  it('a group version changes with every join and leave; If-Match guards group writes too', async () => {
    const a = asUser(
      expectScim(
        await r.scim.send('POST', '/Users', {
          schemas: [USER_URN],
          userName: `gv.${dialect}@acme.com`,
        }),
        201,
      ),
    );
    const g = expectScim(
      await r.scim.send('POST', '/Groups', {
        schemas: [GROUP_URN],
        displayName: `versioned-${dialect}`,
      }),
      201,
    );
    const v0 = (g.meta as { version: string }).version;
    await r.scim.send('PATCH', `/Groups/${g.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'add', path: 'members', value: [{ value: a.id }] }],
    });
    const v1 = (await r.scim.send('GET', `/Groups/${g.id}`)).headers.get('etag');
    expect(v1).not.toBe(v0);
    expectScimError(
      await r.scim.send(
        'PUT',
        `/Groups/${g.id}`,
        { schemas: [GROUP_URN], displayName: 'x' },
        { 'if-match': v0 },
      ),
      412,
    );
  });

  it('POST /.search on Users, Groups and the root: filter, attributes, paging across both types', async () => {
    const tag = `search${dialect}`;
    for (let i = 0; i < 3; i++)
      await r.scim.send('POST', '/Users', {
        schemas: [USER_URN],
        userName: `${tag}${i}@acme.com`,
        displayName: `${tag} ${i}`,
      });
    await r.scim.send('POST', '/Groups', { schemas: [GROUP_URN], displayName: `${tag} group` });
    const search = (path: string, body: unknown) => r.scim.send('POST', path, body);
    const users = expectScim(
      await search('/Users/.search', {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
        filter: `userName sw "${tag}"`,
        attributes: ['userName'],
        sortBy: 'userName',
        sortOrder: 'descending',
        startIndex: 1,
        count: 2,
      }),
      200,
    );
    expect(users).toMatchObject({ schemas: [LIST_URN], totalResults: 3, itemsPerPage: 2 });
    expect(users.Resources).toEqual([
      { schemas: [USER_URN], id: expect.any(String), userName: `${tag}2@acme.com` },
      { schemas: [USER_URN], id: expect.any(String), userName: `${tag}1@acme.com` },
    ]);
    const groups = expectScim(
      await search('/Groups/.search', { filter: `displayName sw "${tag}"` }),
      200,
    );
    expect(groups.totalResults).toBe(1);
    const all = expectScim(
      await search('/.search', { filter: `displayName sw "${tag}"`, count: 3 }),
      200,
    );
    expect(all.totalResults).toBe(4);
    expect(all.Resources?.map((x) => (x.schemas as string[])[0])).toEqual([
      USER_URN,
      USER_URN,
      USER_URN,
    ]);
    const tail = expectScim(
      await search('/.search', { filter: `displayName sw "${tag}"`, startIndex: 4 }),
      200,
    );
    expect(tail.Resources?.map((x) => x.displayName)).toEqual([`${tag} group`]);
    const onlyUsers = expectScim(await search('/.search', { filter: `userName sw "${tag}"` }), 200);
    expect(onlyUsers.totalResults).toBe(3);
    expectScimError(await search('/.search', { filter: 'shoeSize gt 3' }), 400, 'invalidFilter');
    expectScimError(await search('/Users/.search', ['not', 'an', 'object']), 400, 'invalidSyntax');
  });

  it("resource paths answer with a trailing slash and in lower case, as Microsoft's collection sends them", async () => {
    expect((await r.scim.send('GET', '/Users/?filter=userName eq "nobody"')).status).toBe(200);
    expect((await r.scim.send('GET', '/users')).status).toBe(200);
    expect((await r.scim.send('GET', '/groups/')).status).toBe(200);
  });
});
