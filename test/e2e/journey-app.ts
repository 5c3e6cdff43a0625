import { createServer } from 'node:net';
import { type TestApp, testApp } from '../support/app.js';
import { expectStatus } from '../support/json.js';
import { oktaAccount } from '../support/oidc-idp/accounts.js';
import { CLIENT_SECRET } from '../support/oidc-idp/flow.js';
import { startTestIdp, type TestIdp } from '../support/oidc-idp/server.js';

/** The people and names of the journey test (test/e2e/it-admin-journey.test.ts). */
export const JOURNEY = {
  adminPassword: 'it admin password 0123',
  viewerPassword: 'viewer password 98765',
  personPassword: 'okta password for dana',
  connection: 'acme-okta',
  clientId: 'gatehouse-acme',
  clientSecret: CLIENT_SECRET,
} as const;

/** A loopback port nobody holds right now: Gatehouse's public URL must be known before it starts. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export interface Journey {
  t: TestApp;
  idp: TestIdp;
  /** Gatehouse's public URL, which is also where it listens. */
  base: string;
  close(): Promise<void>;
}

/**
 * The company: oidc-provider as its Okta (Dana in group Engineering; the app registered with the
 * redirect URI Gatehouse will show), a Gatehouse listening at its public URL with the built UI,
 * a connection from the config file, a break-glass IT admin, a viewer and team Platform.
 */
export async function startJourney(uiRoot: string): Promise<Journey> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const idp = await startTestIdp({
    shape: 'okta',
    accounts: [
      oktaAccount({
        username: 'dana@acme.com',
        password: JOURNEY.personPassword,
        sub: '00u1dana',
        name: 'Dana Developer',
        groups: ['Everyone', 'Engineering'],
      }),
    ],
    // What the IT admin registers in Okta; the test checks the page shows exactly this.
    clients: [
      {
        client_id: JOURNEY.clientId,
        client_secret: JOURNEY.clientSecret,
        redirect_uris: [`${base}/sso/${JOURNEY.connection}/callback`],
        post_logout_redirect_uris: [`${base}/ui/`],
      },
    ],
  });
  const t = await testApp(
    'sqlite',
    {
      auth: {
        local_login: {
          allowed_roles: ['proxy_admin', 'proxy_admin_viewer', 'internal_user_viewer'],
        },
      },
      // A connection from the config file: shown, never editable in the UI.
      sso: {
        connections: [
          {
            id: 'file-okta',
            type: 'oidc',
            display_name: 'Okta from the file',
            issuer: idp.issuer,
            client_id: 'file-client',
            client_secret: 'file-secret',
          },
        ],
      },
    },
    {
      uiRoot,
      env: { GATEHOUSE_PUBLIC_URL: base, GATEHOUSE_SECRET: 'journey-test-secret-0123456789abc' },
    },
  );
  await t.app.listen({ port, host: '127.0.0.1' });
  for (const u of [
    {
      email: 'it@acme.com',
      user_name: 'itadmin',
      role: 'proxy_admin',
      password: JOURNEY.adminPassword,
    },
    {
      email: 'paula@acme.com',
      user_name: 'paula',
      role: 'proxy_admin_viewer',
      password: JOURNEY.viewerPassword,
    },
    {
      email: 'vic@acme.com',
      user_name: 'vic',
      role: 'internal_user_viewer',
      password: JOURNEY.viewerPassword,
    },
  ]) {
    expectStatus(await t.call({ method: 'POST', url: '/api/v1/users', payload: u }), 201);
  }
  expectStatus(
    await t.call({ method: 'POST', url: '/api/v1/teams', payload: { name: 'Platform' } }),
    201,
  );
  return {
    t,
    idp,
    base,
    async close() {
      await t.close();
      await idp.close();
    },
  };
}
