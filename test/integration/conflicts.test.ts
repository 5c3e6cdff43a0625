import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors/catalogue.js';
import { type TestApp, testApp } from '../support/app.js';
import { dialects } from '../support/db.js';
import { createTeam, createUser } from '../support/seed.js';

/** A 409 names the value that is really in use, never "undefined" or an empty value. */
function conflictMessage(res: LightMyRequestResponse): string {
  expect(res.statusCode).toBe(409);
  const { code, message } = res.json().error as { code: string; message: string };
  expect(code).toBe('conflict');
  expect(message).not.toMatch(/undefined|null|''/);
  return message;
}

describe.each(dialects())('409 messages (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp(dialect);
  });
  afterAll(() => t.close());

  it('teams: a taken external_id names the team that holds it, on create and on PATCH', async () => {
    const first = await createTeam(t, { external_id: 'grp-sales' });
    const again = await t.call({
      method: 'POST',
      url: '/api/v1/teams',
      payload: { name: 'other', external_id: 'grp-sales' },
    });
    expect(conflictMessage(again)).toBe(
      `external_id 'grp-sales' is already used by team '${first.id}'`,
    );
    const second = await createTeam(t);
    const moved = await t.call({
      method: 'PATCH',
      url: `/api/v1/teams/${second.id}`,
      payload: { external_id: 'grp-sales' },
    });
    expect(conflictMessage(moved)).toBe(
      `external_id 'grp-sales' is already used by team '${first.id}'`,
    );
    // A team keeps its own external_id without conflicting with itself.
    const same = await t.call({
      method: 'PATCH',
      url: `/api/v1/teams/${first.id}`,
      payload: { external_id: 'grp-sales', name: 'renamed' },
    });
    expect(same.statusCode).toBe(200);
  });

  it('teams: a taken id says the id, not an external_id it was never given', async () => {
    await createTeam(t, { id: 'team-fixed' });
    const res = await t.call({
      method: 'POST',
      url: '/api/v1/teams',
      payload: { id: 'team-fixed', name: 'dup' },
    });
    expect(conflictMessage(res)).toBe("a team with id 'team-fixed' already exists");
  });

  it('users: a taken email or user name is named, on create and on PATCH', async () => {
    const a = await createUser(t, { email: 'taken@acme.com' });
    const dup = await t.call({
      method: 'POST',
      url: '/api/v1/users',
      payload: { email: 'Taken@acme.com' },
    });
    expect(conflictMessage(dup)).toBe(
      "the email 'taken@acme.com' is already the email or user name of another user",
    );
    const b = await createUser(t);
    const patch = await t.call({
      method: 'PATCH',
      url: `/api/v1/users/${b.id}`,
      payload: { user_name: 'taken@acme.com' },
    });
    expect(conflictMessage(patch)).toContain("the user name 'taken@acme.com'");
    expect(a.id).not.toBe(b.id);
  });

  it('users: a taken id (service callers such as SCIM choose ids) is named', async () => {
    await t.write((s) => t.services.users.create(s, { id: 'user-fixed', email: 'f1@acme.com' }));
    const err = await t
      .write((s) => t.services.users.create(s, { id: 'user-fixed', email: 'f2@acme.com' }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('conflict');
    expect((err as AppError).message).toBe("a user with id 'user-fixed' already exists");
  });
});
