import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionConfig } from '../../src/config/schema.js';
import type { VerifiedIdentity } from '../../src/provisioning/types.js';
import { completeSignIn } from '../../src/sso/login.js';
import { type TestApp, testApp } from '../support/app.js';
import { dialects } from '../support/db.js';
import { expectStatus } from '../support/json.js';
import { createUser } from '../support/seed.js';

const person = (extra: Partial<VerifiedIdentity> = {}): Omit<VerifiedIdentity, 'connection'> => ({
  subject: '00u-pat',
  email: 'pat@acme.com',
  emailVerified: true,
  userName: 'pat@acme.com',
  displayName: 'Pat',
  givenName: 'Pat',
  familyName: 'Lee',
  groups: [],
  groupsComplete: true,
  claims: {},
  roles: [],
  ...extra,
});

interface AuditRow {
  action: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

/** The IdP changes a person's profile: every change goes through one audited path. */
describe.each(dialects())('profile updates from the IdP (%s)', (dialect) => {
  let t: TestApp;
  let conn: ConnectionConfig;
  const audit = async (userId: string) =>
    expectStatus<{ data: AuditRow[] }>(
      await t.call({ method: 'GET', url: `/api/v1/audit?target_id=${userId}&limit=100` }),
      200,
    ).data;

  beforeAll(async () => {
    t = await testApp(dialect, {
      sso: {
        connections: [
          { id: 'okta', type: 'oidc', issuer: 'https://acme.okta.com', client_id: 'c' },
        ],
      },
    });
    const c = t.config.sso.connections[0];
    if (!c) throw new Error('no connection');
    conn = c;
  });
  afterAll(async () => t.close());

  it('a changed email and name are written with an audit event holding only what changed', async () => {
    const first = await completeSignIn(t.services.signIn, conn, person());
    // Repeating the same profile writes no profile event.
    await completeSignIn(t.services.signIn, conn, person());
    expect((await audit(first.user.id)).filter((e) => e.action === 'user.profile_updated')).toEqual(
      [],
    );
    const again = await completeSignIn(
      t.services.signIn,
      conn,
      person({ email: 'pat.lee@acme.com', displayName: 'Pat Lee' }),
    );
    expect(again.user).toMatchObject({ email: 'pat.lee@acme.com', display_name: 'Pat Lee' });
    const events = (await audit(first.user.id)).filter((e) => e.action === 'user.profile_updated');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      before: { email: 'pat@acme.com', display_name: 'Pat' },
      after: { email: 'pat.lee@acme.com', display_name: 'Pat Lee', by: 'sso:okta' },
    });
    expect(Object.keys(events[0]?.before ?? {}).sort()).toEqual(['display_name', 'email']);
  });

  it('an email someone else holds is not taken: the old one stays and the sign-in succeeds', async () => {
    const other = await createUser(t, { email: 'taken@acme.com' });
    const r = await completeSignIn(
      t.services.signIn,
      conn,
      person({ subject: '00u-sam', email: 'sam@acme.com', userName: null }),
    );
    const moved = await completeSignIn(
      t.services.signIn,
      conn,
      person({ subject: '00u-sam', email: 'TAKEN@acme.com', userName: null, displayName: 'Sam' }),
    );
    expect(moved.user.id).toBe(r.user.id);
    expect(moved.user.email).toBe('sam@acme.com');
    expect(moved.user.display_name).toBe('Sam');
    const otherNow = expectStatus<{ email: string }>(
      await t.call({ method: 'GET', url: `/api/v1/users/${other.id}` }),
      200,
    );
    expect(otherNow.email).toBe('taken@acme.com');
  });
});
