import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSpKeyPair } from '../../src/sso/saml/keys.js';
import { dialects } from '../support/db.js';
import { type FakeGraph, startFakeGraph } from '../support/fake-graph.js';
import { RP_BASE } from '../support/oidc-idp/flow.js';
import { browserGet, type SsoTestApp, ssoTestApp } from '../support/oidc-idp/gatehouse.js';
import { decode } from '../support/saml-idp/forge.js';
import { samlSignIn } from '../support/saml-idp/gatehouse.js';
import {
  Browser,
  ENTRA_CLAIMS,
  ENTRA_GROUPS,
  ENTRA_TENANT_ID,
  ENTRA_USERS,
  type IdpUser,
  OKTA_USERS,
  type SamlIdp,
  type SpRegistration,
  samlIdpUnavailable,
  startSamlIdp,
} from '../support/saml-idp/index.js';

/**
 * SAML sign-in end to end through Gatehouse's real routes: /sso/{id}/login in the browser,
 * SimpleSAMLphp's login form (a real password check), the auto-posted form to /sso/{id}/acs,
 * and the management API with the session cookie that answer set.
 */
const unavailable = samlIdpUnavailable();
if (unavailable) console.warn(`SAML sign-in tests skipped: ${unavailable}`);

const spKey = generateSpKeyPair({ commonName: 'Gatehouse SAML SP (tests)' });
const sp = (id: string, extra: Partial<SpRegistration> = {}): SpRegistration => ({
  entityId: `${RP_BASE}/sso/${id}/metadata`,
  acsUrl: `${RP_BASE}/sso/${id}/acs`,
  signing: 'assertion-only',
  ...extra,
});
const ROLE_URI = ENTRA_CLAIMS.role;

const carol = (groups: string[]): IdpUser => ({
  username: 'carol',
  password: 'carol-Okta-pw-3',
  nameId: '00u1gatehousecarol0h7',
  attributes: {
    email: ['carol@acme.example'],
    firstName: ['Carol'],
    lastName: ['Clark'],
    groups,
  },
});
const eve: IdpUser = {
  username: 'eve',
  password: 'eve-Okta-pw-4',
  nameId: '00u1gatehouseeve000h7',
  attributes: { email: ['eve@acme.example'], groups: ['Everyone', 'Engineers'] },
};

interface Me {
  role: string;
  user: { id: string; email: string | null; display_name?: string | null; role: string };
  teams: { team_id: string; name: string; source: string }[];
}

let okta: SamlIdp;
let entra: SamlIdp;
let graph: FakeGraph;

beforeAll(async () => {
  if (unavailable) return;
  [okta, entra, graph] = await Promise.all([
    startSamlIdp({
      flavor: 'okta',
      sps: [
        sp('okta', {
          signing: 'response-and-assertion',
          requireSignedRequests: spKey.certificatePem,
          sloUrl: `${RP_BASE}/sso/okta/slo`,
        }),
        sp('okta-ao'),
        sp('okta-enc', { encryptTo: spKey.certificatePem }),
      ],
    }),
    startSamlIdp({ flavor: 'entra', sps: [sp('entra')] }),
    startFakeGraph({ tenantId: ENTRA_TENANT_ID }),
  ]);
  okta.setUser('carol', carol(['Everyone', 'Gateway-Admins']));
  okta.setUser('eve', eve);
  graph.addGroup(ENTRA_GROUPS.admins, 'Gateway Admins');
  graph.addGroup(ENTRA_GROUPS.engineers, 'Engineers');
  const erin = ENTRA_USERS.erin.attributes[ENTRA_CLAIMS.objectId]?.[0] ?? '';
  const oscar = ENTRA_USERS.oscar.attributes[ENTRA_CLAIMS.objectId]?.[0] ?? '';
  graph.addMember(ENTRA_GROUPS.admins, erin);
  graph.addMember(ENTRA_GROUPS.engineers, erin);
  graph.addMember(ENTRA_GROUPS.engineers, oscar);
});

afterAll(async () => {
  await Promise.all([okta?.stop(), entra?.stop(), graph?.close()]);
});

async function config() {
  const keys = { sp_private_key: spKey.privateKeyPem, sp_certificate: spKey.certificatePem };
  return {
    sso: {
      connections: [
        // By metadata URL, response and assertion signed, signed AuthnRequests, single logout.
        {
          id: 'okta',
          type: 'saml',
          display_name: 'Okta',
          idp_metadata_url: okta.metadataUrl,
          want_response_signed: true,
          sign_authn_requests: true,
          // As a config file would have it: the key pair from the environment.
          sp_private_key: 'os.environ/OKTA_SAML_SP_KEY',
          sp_certificate: 'os.environ/OKTA_SAML_SP_CERT',
        },
        // By pasted metadata XML, assertion-only signing (the default policy).
        { id: 'okta-ao', type: 'saml', idp_metadata_xml: await okta.metadata() },
        { id: 'okta-enc', type: 'saml', idp_metadata_url: okta.metadataUrl, ...keys },
        // By hand: SSO URL, entity id and certificate, as copied from Entra's SAML page.
        {
          id: 'entra',
          type: 'saml',
          idp_sso_url: entra.ssoUrl,
          idp_entity_id: entra.entityId,
          idp_certificates: [entra.key.certificatePem],
          microsoft_graph: {
            base_url: graph.baseUrl,
            authority_host: graph.authorityHost,
            tenant_id: ENTRA_TENANT_ID,
            client_id: graph.clientId,
            client_secret: graph.clientSecret,
          },
        },
      ],
    },
    role_mapping: {
      default_role: 'internal_user_viewer',
      rules: [
        { group: 'Gateway-Admins', role: 'proxy_admin' },
        { group: 'Engineers', role: 'internal_user' },
        { claim: ROLE_URI, equals: 'Gateway.Admin', role: 'proxy_admin' },
      ],
    },
    group_sync: { create_teams: true, remove_memberships: true },
  };
}

describe.skipIf(unavailable !== null).each(dialects())(
  'SAML sign-in through Gatehouse’s routes against SimpleSAMLphp (%s)',
  (dialect) => {
    let t: SsoTestApp;
    beforeAll(async () => {
      t = await ssoTestApp(dialect, await config(), {
        graphOptions: { sleep: async () => {} },
        env: { OKTA_SAML_SP_KEY: spKey.privateKeyPem, OKTA_SAML_SP_CERT: spKey.certificatePem },
      });
    });
    afterAll(async () => t?.close());

    const me = async (r: Awaited<ReturnType<typeof samlSignIn>>): Promise<Me> => {
      expect(r.status, r.body).toBe(302);
      const got = await browserGet<Me>(t, r.browser, '/api/v1/me');
      expect(got.status).toBe(200);
      return got.body;
    };
    const subjectOf = async (userId: string) =>
      (
        await t.db.kysely
          .selectFrom('identities')
          .select(['subject', 'connection_id'])
          .where('user_id', '=', userId)
          .executeTakeFirstOrThrow()
      ).subject;

    it('Okta-shaped, response and assertion signed, signed AuthnRequest: role and teams by the mapping', async () => {
      const r = await samlSignIn(t, '/sso/okta/login', OKTA_USERS.alice);
      expect(r.location).toBe('/ui/');
      expect(r.session).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const xml = decode(r.posted.SAMLResponse);
      // Both signatures really were there.
      expect(xml.match(/<ds:Signature\b/g)?.length).toBe(2);
      const m = await me(r);
      expect(m.role).toBe('proxy_admin');
      expect(m.user.email).toBe('alice@acme.example');
      expect(m.teams.map((x) => [x.name, x.source]).sort()).toEqual([
        ['Everyone', 'sso:okta'],
        ['Gateway-Admins', 'sso:okta'],
      ]);
      expect(await subjectOf(m.user.id)).toBe(OKTA_USERS.alice.nameId);
    });

    it('assertion-only signing, metadata pasted as XML; one group arrives as a list of one', async () => {
      const r = await samlSignIn(t, '/sso/okta-ao/login?return_to=/ui/keys', OKTA_USERS.olga);
      expect(r.location).toBe('/ui/keys');
      expect(decode(r.posted.SAMLResponse).match(/<ds:Signature\b/g)?.length).toBe(1);
      const m = await me(r);
      expect(m.role).toBe('internal_user_viewer');
      expect(m.teams.map((x) => [x.name, x.source])).toEqual([['Everyone', 'sso:okta-ao']]);
    });

    it('encrypted assertion: decrypted with the connection’s SP key → the right user and teams', async () => {
      const r = await samlSignIn(t, '/sso/okta-enc/login', eve);
      expect(decode(r.posted.SAMLResponse)).toContain('EncryptedAssertion');
      expect(decode(r.posted.SAMLResponse)).not.toContain('eve@acme.example');
      const m = await me(r);
      expect(m.user.email).toBe('eve@acme.example');
      expect(m.role).toBe('internal_user');
      expect(m.teams.map((x) => x.name).sort()).toEqual(['Engineers', 'Everyone']);
    });

    it('Entra-shaped: app role → role, group object ids → teams named from Graph, subject {tid}:{oid}', async () => {
      const r = await samlSignIn(t, '/sso/entra/login', ENTRA_USERS.erin);
      const m = await me(r);
      expect(m.role).toBe('proxy_admin');
      expect(m.teams.map((x) => [x.team_id, x.name]).sort()).toEqual(
        [
          [ENTRA_GROUPS.admins, 'Gateway Admins'],
          [ENTRA_GROUPS.engineers, 'Engineers'],
        ].sort(),
      );
      const oid = ENTRA_USERS.erin.attributes[ENTRA_CLAIMS.objectId]?.[0];
      // The same subject the OIDC connection gives an Entra user: one person, whichever protocol.
      expect(await subjectOf(m.user.id)).toBe(`${ENTRA_TENANT_ID}:${oid}`);
    });

    it('Entra overage (groups.link): groups from Graph, never from the link', async () => {
      const before = graph.requests.length;
      const r = await samlSignIn(t, '/sso/entra/login', ENTRA_USERS.oscar);
      const m = await me(r);
      expect(m.teams.map((x) => x.team_id)).toEqual([ENTRA_GROUPS.engineers]);
      expect(m.role).toBe('internal_user');
      const asked = graph.requests.slice(before).map((q) => q.url);
      expect(asked.some((u) => u.includes('11111111-2222-3333-4444-555555555555'))).toBe(true);
      expect(asked.some((u) => u.includes('getMemberObjects'))).toBe(false);
    });

    it('removed from a group in the IdP → loses the team (and the role) at the next sign-in', async () => {
      okta.setUser('carol', carol(['Everyone', 'Gateway-Admins']));
      const first = await me(await samlSignIn(t, '/sso/okta/login', carol([])));
      expect(first.role).toBe('proxy_admin');
      expect(first.teams.map((x) => x.name).sort()).toEqual(['Everyone', 'Gateway-Admins']);
      okta.setUser('carol', carol(['Everyone']));
      const again = await samlSignIn(t, '/sso/okta/login', carol([]));
      expect(decode(again.posted.SAMLResponse)).not.toContain('Gateway-Admins');
      const second = await me(again);
      expect(second.user.id).toBe(first.user.id);
      expect(second.role).toBe('internal_user_viewer');
      expect(second.teams.map((x) => x.name)).toEqual(['Everyone']);
    });

    it('single logout: Gatehouse’s session ends, the IdP gets a signed LogoutRequest, its signed answer lands on /ui/', async () => {
      const r = await samlSignIn(t, '/sso/okta/login', OKTA_USERS.alice);
      const out = await r.browser.request(t.at('/auth/logout'), { method: 'POST' });
      expect(out.status).toBe(200);
      const { logout_url } = (await out.json()) as { logout_url: string };
      const u = new URL(logout_url);
      expect(`${u.origin}${u.pathname}`).toBe(okta.sloUrl);
      expect(u.searchParams.get('Signature')).toBeTruthy();
      expect((await browserGet(t, r.browser, '/api/v1/me')).status).toBe(401);
      const atIdp = await new Browser().request(logout_url);
      expect(atIdp.location, okta.log().slice(-2000)).toMatch(`${RP_BASE}/sso/okta/slo?`);
      const back = await r.browser.request(t.at(atIdp.location ?? ''));
      expect(back.status, await back.clone().text()).toBe(302);
      expect(back.headers.get('location')).toBe('/ui/');
      // The answer is single use: the same LogoutResponse again is refused.
      const again = await r.browser.request(t.at(atIdp.location ?? ''));
      expect(again.status).toBe(400);
    });

    it('GET /sso/{id}/metadata: SP metadata with entity id, ACS, SLO and the SP certificate', async () => {
      const res = await fetch(t.at('/sso/okta/metadata'));
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/samlmetadata\+xml/);
      const xml = await res.text();
      expect(xml).toContain(`entityID="${RP_BASE}/sso/okta/metadata"`);
      expect(xml).toContain(`Location="${RP_BASE}/sso/okta/acs"`);
      expect(xml).toContain(`Location="${RP_BASE}/sso/okta/slo"`);
      expect(xml).toContain('AuthnRequestsSigned="true"');
      expect(xml.replace(/\s/g, '')).toContain(
        spKey.certificatePem.replace(/-----[A-Z ]+-----|\s/g, ''),
      );
      expect((await fetch(t.at('/sso/nope/metadata'))).status).toBe(404);
    });

    it('the sign-in page lists SAML connections with their login URLs', async () => {
      const res = await fetch(t.at('/sso/connections'));
      const body = (await res.json()) as { connections: { id: string; type: string }[] };
      expect(body.connections.map((c) => [c.id, c.type])).toEqual([
        ['okta', 'saml'],
        ['okta-ao', 'saml'],
        ['okta-enc', 'saml'],
        ['entra', 'saml'],
      ]);
    });
  },
);
