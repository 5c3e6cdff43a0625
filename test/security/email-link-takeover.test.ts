import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionConfig } from '../../src/config/schema.js';
import type { VerifiedIdentity } from '../../src/provisioning/types.js';
import { completeSignIn } from '../../src/sso/login.js';
import { type TestApp, testApp } from '../support/app.js';
import { dialects } from '../support/db.js';

/**
 * Account takeover by email: an IdP (or a user who can set their own email in it) asserts the
 * email of an existing Gatehouse account, hoping the sign-in is linked to that account. The
 * pipeline links by email only when the connection has link_existing_by_email, the email is
 * verified, and its domain is one of the connection's email_domains. Each attack below breaks
 * exactly one of the three, against an identity that otherwise links, so each condition is
 * shown necessary on its own.
 */
const BASE = {
  type: 'oidc',
  issuer: 'https://acme.okta.com/oauth2/default',
  client_id: 'client',
} as const;
const config = {
  sso: {
    connections: [
      { ...BASE, id: 'linking', link_existing_by_email: true, email_domains: ['acme.com'] },
      { ...BASE, id: 'no-linking', email_domains: ['acme.com'] },
      { ...BASE, id: 'partner', link_existing_by_email: true, email_domains: ['partner.com'] },
    ],
  },
};

let n = 0;
function identity(email: string, extra: Partial<VerifiedIdentity> = {}) {
  n++;
  return {
    subject: `00uattacker${n}`,
    email,
    emailVerified: true,
    userName: null,
    displayName: 'Mallory',
    givenName: null,
    familyName: null,
    groups: [],
    groupsComplete: true,
    claims: {},
    roles: [],
    ...extra,
  } satisfies Omit<VerifiedIdentity, 'connection'>;
}

describe.each(dialects())('linking a sign-in to an existing account by email (%s)', (dialect) => {
  let t: TestApp;
  const conn = (id: string): ConnectionConfig => {
    const c = t.config.sso.connections.find((x) => x.id === id);
    if (!c) throw new Error(`no connection ${id}`);
    return c;
  };
  const signIn = (connection: string, id: ReturnType<typeof identity>) =>
    completeSignIn(t.services.signIn, conn(connection), id);

  /** An existing admin account, and a check that nobody else got linked to it. */
  async function victim(email: string) {
    const user = await t.write((s) =>
      t.services.users.create(s, { email, role: 'proxy_admin', display_name: 'Victim' }),
    );
    const links = async () =>
      t.db.kysely
        .selectFrom('identities')
        .select('subject')
        .where('user_id', '=', user.id)
        .execute();
    return { user, links };
  }

  beforeAll(async () => {
    t = await testApp(dialect, config);
  });
  afterAll(() => t.close());

  it('links when all three hold (the control for the attacks below)', async () => {
    const v = await victim('carol@acme.com');
    const r = await signIn('linking', identity('carol@acme.com'));
    expect(r.user.id).toBe(v.user.id);
    expect(r.created).toBe(false);
    expect(await v.links()).toHaveLength(1);
  });

  it('attack: an unverified email is not linked to the account that holds it', async () => {
    const v = await victim('dave@acme.com');
    await expect(
      signIn('linking', identity('dave@acme.com', { emailVerified: false })),
    ).rejects.toMatchObject({ code: 'conflict' });
    expect(await v.links()).toEqual([]);
  });

  it('attack: a connection without link_existing_by_email does not link by email', async () => {
    const v = await victim('erin@acme.com');
    await expect(signIn('no-linking', identity('erin@acme.com'))).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('an admin must link it'),
    });
    expect(await v.links()).toEqual([]);
  });

  it('attack: a connection cannot claim an account in a domain it does not own', async () => {
    // The partner IdP links by email for partner.com; it asserts an acme.com address.
    const v = await victim('frank@acme.com');
    await expect(signIn('partner', identity('frank@acme.com'))).rejects.toMatchObject({
      code: 'conflict',
    });
    expect(await v.links()).toEqual([]);
  });

  it('attack: the case of the asserted email does not get around any of the checks', async () => {
    const v = await victim('grace@acme.com');
    await expect(
      signIn('linking', identity('GRACE@ACME.COM', { emailVerified: false })),
    ).rejects.toMatchObject({ code: 'conflict' });
    await expect(signIn('partner', identity('Grace@Acme.com'))).rejects.toMatchObject({
      code: 'conflict',
    });
    expect(await v.links()).toEqual([]);
  });
});
