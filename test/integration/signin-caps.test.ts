import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConnectionConfig } from '../../src/config/schema.js';
import type { VerifiedIdentity } from '../../src/provisioning/types.js';
import { completeSignIn } from '../../src/sso/login.js';
import { type TestApp, testApp } from '../support/app.js';
import { dialects } from '../support/db.js';
import { expectStatus } from '../support/json.js';

const config = {
  sso: {
    connections: [
      {
        id: 'okta',
        type: 'oidc',
        issuer: 'https://acme.okta.com/oauth2/default',
        client_id: 'client',
      },
    ],
  },
  role_mapping: {
    rules: [
      { group_regex: '^litellm-(owners|admins)$', role: 'proxy_admin' },
      { group: 'developers', role: 'internal_user' },
      { claim: 'title', contains: 'Director', role: 'org_admin', organization: 'Acme' },
    ],
  },
  group_sync: { create_teams: true, include: ['^eng-'] },
};

function identity(
  sub: string,
  groups: string[],
  extra: Partial<VerifiedIdentity> = {},
): Omit<VerifiedIdentity, 'connection'> {
  return {
    subject: sub,
    email: `${sub}@acme.com`,
    emailVerified: true,
    userName: `${sub}@acme.com`,
    displayName: null,
    givenName: null,
    familyName: null,
    groups: groups.map((name) => ({ id: null, name })),
    groupsComplete: true,
    claims: {},
    roles: [],
    ...extra,
  };
}

interface Explained {
  role: string;
  role_explanation: { left_out?: string[]; groups_complete: boolean; matched: unknown[] };
}

describe.each(dialects())('over-long and excess IdP facts at sign-in (%s)', (dialect) => {
  let t: TestApp;
  let conn: ConnectionConfig;
  const signIn = (id: Omit<VerifiedIdentity, 'connection'>) =>
    completeSignIn(t.services.signIn, conn, id);
  const user = async (id: string) =>
    expectStatus<Explained>(await t.call({ method: 'GET', url: `/api/v1/users/${id}` }), 200);

  beforeEach(async () => {
    t = await testApp(dialect, config);
    const c = t.config.sso.connections[0];
    if (!c) throw new Error('no connection');
    conn = c;
    await t.write((s) => t.services.organizations.create(s, { name: 'Acme' }));
  });
  afterEach(async () => {
    await t.close();
  });

  it('a 2,000-character group and a 5,000-character claim are left out with a note; the sign-in goes through', async () => {
    const r = await signIn(
      identity('u1', ['developers', 'eng-platform', `litellm-owners${'x'.repeat(2000)}`], {
        claims: { title: `Director ${'y'.repeat(5000)}` },
      }),
    );
    expect(r.user.role).toBe('internal_user');
    const u = await user(r.user.id);
    expect(u.role_explanation.left_out).toEqual([
      '1 group with an id or name longer than 1024 characters',
      'claim title: 1 value longer than 4096 characters',
    ]);
    expect(u.role_explanation.groups_complete).toBe(true);
    expect(r.sync.added).toHaveLength(1);
    const audit = expectStatus<{ data: { after: { left_out?: string[] } }[] }>(
      await t.call({
        method: 'GET',
        url: `/api/v1/audit?action=auth.login_succeeded&target_id=${r.user.id}`,
      }),
      200,
    );
    expect(audit.data[0]?.after.left_out).toHaveLength(2);
  });

  it('beyond 10,000 groups the rest is left out and the list counts as partial: an existing account keeps its role and teams', async () => {
    const first = await signIn(identity('u2', ['litellm-admins', 'eng-ml']));
    expect(first.user.role).toBe('proxy_admin');
    // 10,001 groups sort before the privileged one, so the cut drops it and eng-ml.
    const flood = Array.from({ length: 10_001 }, (_, i) => `a-${String(i).padStart(5, '0')}`);
    const again = await signIn(identity('u2', [...flood, 'litellm-admins', 'eng-ml']));
    expect(again.user.role).toBe('proxy_admin');
    expect(again.sync.removed).toEqual([]);
    const u = await user(again.user.id);
    expect(u.role_explanation.groups_complete).toBe(false);
    expect(u.role_explanation.left_out).toEqual([
      '3 groups beyond the first 10000 (of 10003); the group list is treated as partial',
    ]);
  });
});
