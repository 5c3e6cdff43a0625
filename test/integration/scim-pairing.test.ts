import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionSchema } from '../../src/config/connection-schema.js';
import type { ConnectionConfig } from '../../src/config/schema.js';
import type { VerifiedIdentity } from '../../src/provisioning/types.js';
import { completeSignIn } from '../../src/sso/login.js';
import { dialects } from '../support/db.js';
import {
  asUser,
  ENTERPRISE_URN,
  expectScim,
  PATCH_OP,
  type ScimClient,
  type ScimRig,
  scimRig,
  USER_URN,
} from '../support/scim.js';

/**
 * SSO and SCIM from one directory meet on one user (DESIGN.md, Identity rules): a connection
 * that names its SCIM token links a first sign-in to the person that directory provisioned —
 * by externalId = subject (Okta: the Okta user id is both the SCIM externalId and the OIDC
 * `sub`), else by userName = the IdP login name (Entra's UPN) — with no 409 and no second
 * account. Through the sign-in pipeline's entry point, as the login routes will call it.
 */
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';

function identity(over: Partial<VerifiedIdentity>): Omit<VerifiedIdentity, 'connection'> {
  return {
    subject: randomUUID(),
    email: null,
    emailVerified: true,
    userName: null,
    displayName: null,
    givenName: null,
    familyName: null,
    groups: [],
    groupsComplete: true,
    claims: {},
    roles: [],
    ...over,
  };
}

describe.each(dialects())('SCIM ↔ SSO pairing (%s)', (dialect) => {
  let r: ScimRig;
  let okta: ConnectionConfig;
  let entra: ConnectionConfig;
  let strict: ConnectionConfig;
  let other: { id: string; client: ScimClient };

  const connection = (raw: Record<string, unknown>) => connectionSchema.parse(raw);
  const signIn = (c: ConnectionConfig, id: Omit<VerifiedIdentity, 'connection'>) =>
    completeSignIn(r.t.services.signIn, c, id);
  const provision = async (client: ScimClient, body: Record<string, unknown>) =>
    asUser(expectScim(await client.send('POST', '/Users', { schemas: [USER_URN], ...body }), 201));
  const userCount = async () =>
    Number(
      (
        await r.t.db.kysely
          .selectFrom('users')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  beforeAll(async () => {
    r = await scimRig(dialect);
    other = await r.newToken('Another directory');
    okta = connection({
      id: 'okta',
      type: 'oidc',
      issuer: 'https://acme.okta.com/oauth2/default',
      client_id: 'c',
      email_domains: ['acme.com'],
      scim_token: r.tokenId,
    });
    entra = connection({
      id: 'entra',
      type: 'oidc',
      issuer: `https://login.microsoftonline.com/${TENANT}/v2.0`,
      client_id: 'c',
      scim_token: r.tokenId,
      jit: false,
    });
    strict = connection({ ...okta, id: 'okta-strict', jit: false });
  });
  afterAll(async () => r?.close());

  it('Okta: the SCIM externalId is the OIDC sub — the sign-in is that user, no 409, no second account', async () => {
    const u = await provision(r.scim, {
      userName: `jane.${dialect}@acme.com`,
      externalId: '00u1jane',
      emails: [{ value: `jane.${dialect}@acme.com`, primary: true }],
      displayName: 'Jane Doe',
    });
    const before = await userCount();
    const s = await signIn(
      okta,
      identity({
        subject: '00u1jane',
        email: `jane.${dialect}@acme.com`,
        userName: `jane.${dialect}@acme.com`,
        displayName: 'Jane D.',
      }),
    );
    expect(s.user.id).toBe(u.id);
    expect(s.created).toBe(false);
    expect(await userCount()).toBe(before);
    const linked = await r.t.services.identities.listForUser(u.id);
    expect(linked).toEqual([expect.objectContaining({ connection: 'okta', subject: '00u1jane' })]);
    // The next sign-in finds the person by the link; SCIM still sees the same user.
    expect((await signIn(okta, identity({ subject: '00u1jane' }))).user.id).toBe(u.id);
    expect(expectScim(await r.scim.send('GET', `/Users/${u.id}`), 200).displayName).toBe('Jane D.');
  });

  it('Entra: userName = UPN when externalId is not the object id (jit: false admits the provisioned user)', async () => {
    const upn = `jdoe.${dialect}@contoso.com`;
    const u = await provision(r.scim, {
      userName: upn,
      externalId: 'jdoe',
      emails: [{ value: `john.${dialect}@contoso.com`, primary: true }],
    });
    const oid = randomUUID();
    const s = await signIn(
      entra,
      identity({
        subject: `${TENANT}:${oid}`,
        userName: upn.toUpperCase(),
        email: `john.${dialect}@contoso.com`,
        claims: { oid, tid: TENANT },
      }),
    );
    expect(s.user.id).toBe(u.id);
    const audit = await r.t.call({
      method: 'GET',
      url: `/api/v1/audit?target_id=${u.id}&action=user.identity_linked`,
    });
    expect(JSON.parse(audit.body).data[0].after).toMatchObject({ by: 'scim_user_name' });
  });

  it('Entra: externalId = the object id matches the oid of the sign-in', async () => {
    const oid = randomUUID();
    const u = await provision(r.scim, {
      userName: `objectid.${dialect}@contoso.com`,
      externalId: oid,
      [ENTERPRISE_URN]: { department: 'R&D' },
    });
    const s = await signIn(
      entra,
      identity({
        subject: `${TENANT}:${oid}`,
        userName: `renamed.${dialect}@contoso.com`,
        claims: { oid, tid: TENANT },
      }),
    );
    expect(s.user.id).toBe(u.id);
  });

  it('jit: false refuses a person the directory did not provision, with a clear message', async () => {
    const attempt = signIn(
      entra,
      identity({
        subject: `${TENANT}:${randomUUID()}`,
        userName: `stranger.${dialect}@contoso.com`,
      }),
    );
    await expect(attempt).rejects.toMatchObject({
      code: 'forbidden',
      message: expect.stringContaining(
        'not been provisioned in Gatehouse by your identity provider',
      ),
    });
  });

  it('jit: false refuses a provisioned person the directory deactivated', async () => {
    const u = await provision(r.scim, {
      userName: `gone.${dialect}@acme.com`,
      externalId: '00ugone',
    });
    await r.scim.send('PATCH', `/Users/${u.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', path: 'active', value: false }],
    });
    await expect(signIn(strict, identity({ subject: '00ugone' }))).rejects.toMatchObject({
      code: 'user_inactive',
    });
    expect(await r.t.services.identities.listForUser(u.id)).toEqual([]);
  });

  it('attack: a reused login name does not hand the old account to a new subject', async () => {
    const upn = `reused.${dialect}@contoso.com`;
    const u = await provision(r.scim, { userName: upn, externalId: 'old-person' });
    const first = await signIn(
      entra,
      identity({ subject: `${TENANT}:${randomUUID()}`, userName: upn }),
    );
    expect(first.user.id).toBe(u.id);
    // Entra gives the UPN to someone else (a new object id): no link to the first person's account.
    await expect(
      signIn(entra, identity({ subject: `${TENANT}:${randomUUID()}`, userName: upn })),
    ).rejects.toMatchObject({ code: 'forbidden' });
    expect(await r.t.services.identities.listForUser(u.id)).toHaveLength(1);
  });

  it("attack: another directory's user is not linked, even with the same externalId", async () => {
    const foreign = await provision(other.client, {
      userName: `foreign.${dialect}@acme.com`,
      externalId: '00uforeign',
    });
    await expect(signIn(strict, identity({ subject: '00uforeign' }))).rejects.toMatchObject({
      code: 'forbidden',
    });
    expect(await r.t.services.identities.listForUser(foreign.id)).toEqual([]);
  });

  it("attack: an account not made by SCIM (an admin's) is never paired by its user name", async () => {
    const admin = await r.t.write((s) =>
      r.t.services.users.create(s, { user_name: `root.${dialect}@acme.com`, role: 'proxy_admin' }),
    );
    await expect(
      signIn(strict, identity({ subject: '00uroot', userName: `root.${dialect}@acme.com` })),
    ).rejects.toMatchObject({ code: 'forbidden' });
    expect(await r.t.services.identities.listForUser(admin.id)).toEqual([]);
  });

  it('a rotated token keeps the pairing: the connection may name either token', async () => {
    const next = await r.newToken('Okta (rotated)', r.tokenId);
    const u = await provision(next.client, {
      userName: `rotated.${dialect}@acme.com`,
      externalId: '00urot',
    });
    expect((await signIn(okta, identity({ subject: '00urot' }))).user.id).toBe(u.id);
    const viaNew = connection({ ...okta, id: 'okta-new', scim_token: next.id, jit: false });
    const v = await provision(r.scim, {
      userName: `rotated2.${dialect}@acme.com`,
      externalId: '00urot2',
    });
    expect((await signIn(viaNew, identity({ subject: '00urot2' }))).user.id).toBe(v.id);
  });
});
