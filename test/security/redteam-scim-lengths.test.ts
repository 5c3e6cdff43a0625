import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from '../support/app.js';
import { dialects } from '../support/db.js';
import { expectStatus } from '../support/json.js';
import { GROUP_URN, PATCH_OP, SCIM_JSON, USER_URN } from '../support/scim.js';

/** Random, so PostgreSQL cannot compress it below its index entry limit. */
const long = (n: number) => randomBytes(n).toString('base64url').slice(0, n).toLowerCase();

/**
 * SCIM had no length bounds where the management API has them: a 20,000-character userName,
 * email, externalId or group displayName was a 500 on PostgreSQL (an index entry holds at most
 * about 2.7 KB) and was stored as-is on SQLite. Now both refuse it with 400 invalidValue.
 */
describe.each(dialects())('SCIM values longer than the API allows (%s)', (dialect) => {
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    t = await testApp(dialect);
    token = expectStatus<{ token: string }>(
      await t.call({ method: 'POST', url: '/api/v1/scim/tokens', payload: { name: 'okta' } }),
      201,
    ).token;
  });
  afterAll(async () => t.close());

  const scim = (method: 'POST' | 'PUT' | 'PATCH', url: string, body: object) =>
    t.call({
      method,
      url,
      auth: token,
      headers: { 'content-type': SCIM_JSON },
      payload: JSON.stringify(body),
    });
  const invalidValue = (res: Awaited<ReturnType<typeof scim>>, attribute: string) => {
    const body = expectStatus<{ scimType: string; detail: string }>(res, 400);
    expect(body.scimType).toBe('invalidValue');
    expect(body.detail).toContain(attribute);
  };

  it('refuses a long userName, email, externalId or name on POST and PUT of a user', async () => {
    const user = (extra: object) => ({ schemas: [USER_URN], userName: 'ok@acme.com', ...extra });
    invalidValue(
      await scim('POST', '/scim/v2/Users', user({ userName: long(20_000) })),
      'userName',
    );
    invalidValue(
      await scim(
        'POST',
        '/scim/v2/Users',
        user({ emails: [{ value: `${long(20_000)}@acme.com`, primary: true }] }),
      ),
      'emails',
    );
    invalidValue(
      await scim('POST', '/scim/v2/Users', user({ externalId: long(20_000) })),
      'externalId',
    );
    invalidValue(
      await scim('POST', '/scim/v2/Users', user({ name: { givenName: long(5_000) } })),
      'givenName',
    );
    const created = expectStatus<{ id: string }>(
      await scim('POST', '/scim/v2/Users', user({})),
      201,
    );
    invalidValue(
      await scim('PUT', `/scim/v2/Users/${created.id}`, user({ userName: long(321) })),
      'userName',
    );
    invalidValue(
      await scim('PATCH', `/scim/v2/Users/${created.id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'replace', value: { externalId: long(201) } }],
      }),
      'externalId',
    );
    // The bound itself is accepted.
    expectStatus(
      await scim('PUT', `/scim/v2/Users/${created.id}`, user({ userName: long(320) })),
      200,
    );
  });

  it('refuses a long group displayName or externalId on POST, PUT and PATCH', async () => {
    invalidValue(
      await scim('POST', '/scim/v2/Groups', { schemas: [GROUP_URN], displayName: long(20_000) }),
      'displayName',
    );
    invalidValue(
      await scim('POST', '/scim/v2/Groups', {
        schemas: [GROUP_URN],
        displayName: 'g',
        externalId: long(20_000),
      }),
      'externalId',
    );
    const g = expectStatus<{ id: string }>(
      await scim('POST', '/scim/v2/Groups', { schemas: [GROUP_URN], displayName: 'eng' }),
      201,
    );
    invalidValue(
      await scim('PUT', `/scim/v2/Groups/${g.id}`, {
        schemas: [GROUP_URN],
        displayName: long(201),
      }),
      'displayName',
    );
    invalidValue(
      await scim('PATCH', `/scim/v2/Groups/${g.id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'replace', path: 'displayName', value: long(5_000) }],
      }),
      'displayName',
    );
    const team = expectStatus<{ name: string }>(
      await t.call({ method: 'GET', url: `/api/v1/teams/${g.id}` }),
      200,
    );
    expect(team.name).toBe('eng');
  });
});
