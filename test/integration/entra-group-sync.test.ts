import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionConfig } from '../../src/config/schema.js';
import { entraGroups } from '../../src/groupsync/entra.js';
import { microsoftGraphClient } from '../../src/groupsync/microsoft-graph.js';
import { completeSignIn } from '../../src/sso/login.js';
import { type TestApp, testApp } from '../support/app.js';
import { dialects } from '../support/db.js';
import { type FakeGraph, startFakeGraph } from '../support/fake-graph.js';
import { expectStatus } from '../support/json.js';

/**
 * The Entra walk-through (seed 002) end to end through the sign-in pipeline and background
 * sync, against a loopback Microsoft Graph that speaks Graph's wire format (paging, 429).
 */
const TID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const SP = '4c3b2a19-0000-4000-8000-00000000a5a5';
const EVALS = '0e5a1c3d-1111-4aaa-8bbb-000000000001';
const PROD = '0e5a1c3d-2222-4aaa-8bbb-000000000002';
const UNASSIGNED = '0e5a1c3d-3333-4aaa-8bbb-000000000003';
const ALICE = 'a11ce000-0000-4000-8000-000000000001';
const BOB = 'b0b00000-0000-4000-8000-000000000002';

interface Team {
  id: string;
  name: string;
  source: string;
  max_budget: number | null;
  budget_duration: string | null;
  models: string[];
}
interface Member {
  user_id: string;
  sources: { source: string }[];
}

describe.each(dialects())(
  'Entra groups become teams and memberships follow Entra (%s)',
  (dialect) => {
    let graph: FakeGraph;
    let t: TestApp;
    let entra: ConnectionConfig;
    const users = new Map<string, string>(); // oid → user id

    /** What an OIDC/SAML Entra connection hands to the pipeline after verifying the token. */
    async function signIn(
      oid: string,
      opts: { tokenGroups?: string[] | null; roles?: string[] } = {},
    ) {
      const client = microsoftGraphClient(
        {
          ...(entra.microsoft_graph ?? {
            base_url: '',
            authority_host: '',
            tenant_id: '',
            client_id: '',
            client_secret: '',
          }),
        },
        { sleep: async () => {} },
      );
      try {
        const found = await entraGroups(client, {
          oid,
          tokenGroupIds: opts.tokenGroups === undefined ? null : opts.tokenGroups,
          servicePrincipalId: SP,
          needAssigned: true,
        });
        const r = await completeSignIn(t.services.signIn, entra, {
          subject: `${TID}:${oid}`,
          email: `${oid.slice(0, 5)}@contoso.com`,
          emailVerified: true,
          userName: `${oid.slice(0, 5)}@contoso.com`,
          displayName: null,
          givenName: null,
          familyName: null,
          groups: found.groups,
          groupsComplete: found.complete,
          claims: { tid: TID, oid },
          roles: opts.roles ?? [],
          assignedGroups: found.assigned,
        });
        users.set(oid, r.user.id);
        return r;
      } finally {
        await client.close();
      }
    }

    const team = async (id: string) => {
      const res = await t.call({ method: 'GET', url: `/api/v1/teams/${id}` });
      return res.statusCode === 404 ? null : expectStatus<Team>(res, 200);
    };
    const members = async (id: string) =>
      expectStatus<{ data: Member[] }>(
        await t.call({ method: 'GET', url: `/api/v1/teams/${id}/members` }),
        200,
      ).data;

    beforeAll(async () => {
      graph = await startFakeGraph({ tenantId: TID });
      graph.pageSize = 2; // force @odata.nextLink paging everywhere
      t = await testApp(
        dialect,
        {
          litellm_settings: {
            default_team_params: {
              max_budget: 100,
              budget_duration: '30d',
              models: ['gpt-3.5-turbo'],
            },
          },
          sso: {
            connections: [
              {
                id: 'entra',
                type: 'oidc',
                issuer: `https://login.microsoftonline.com/${TID}/v2.0`,
                client_id: 'app-client-id',
                microsoft_graph: {
                  base_url: graph.baseUrl,
                  authority_host: graph.authorityHost,
                  tenant_id: TID,
                  client_id: graph.clientId,
                  client_secret: graph.clientSecret,
                  service_principal_id: SP,
                },
              },
            ],
          },
          group_sync: { scope: 'assigned_to_app' },
        },
        { graphOptions: { sleep: async () => {} } },
      );
      const c = t.config.sso.connections[0];
      if (!c) throw new Error('no connection');
      entra = c;
      for (const [oid, name] of [
        [ALICE, 'Alice'],
        [BOB, 'Bob'],
      ] as const)
        graph.addUser(oid, name);
      graph.addGroup(UNASSIGNED, 'All Staff');
      for (let i = 0; i < 5; i++)
        graph.addGroup(`0e5a1c3d-9999-4aaa-8bbb-00000000010${i}`, `Noise ${i}`);
      for (let i = 0; i < 5; i++) graph.addMember(`0e5a1c3d-9999-4aaa-8bbb-00000000010${i}`, ALICE);
      graph.addMember(UNASSIGNED, ALICE);
    });
    afterAll(async () => {
      await t.close();
      await graph.close();
    });

    it('1: a group assigned to the app becomes a team (same id, its name, default_team_params) at sign-in', async () => {
      graph.addGroup(EVALS, 'Production LLM Evals Group');
      graph.assignToApp(SP, EVALS);
      graph.addMember(EVALS, ALICE);
      const r = await signIn(ALICE);
      expect(r.sync.created).toEqual([EVALS]);
      expect(await team(EVALS)).toMatchObject({
        id: EVALS,
        name: 'Production LLM Evals Group',
        source: 'sso:entra',
        max_budget: 100,
        budget_duration: '30d',
        models: ['gpt-3.5-turbo'],
      });
      // Groups not assigned to the app do not become teams.
      expect(await team(UNASSIGNED)).toBeNull();
      expect((await members(EVALS)).map((m) => m.user_id)).toEqual([users.get(ALICE)]);
    });

    it('3.2: a second assigned group gets a team with the defaults too; token ids are named via Graph', async () => {
      graph.addGroup(PROD, 'Default LiteLLM Prod Team');
      graph.assignToApp(SP, PROD);
      graph.addMember(PROD, ALICE);
      const r = await signIn(ALICE, { tokenGroups: [EVALS, PROD, UNASSIGNED] });
      expect(r.sync.created).toEqual([PROD]);
      expect(await team(PROD)).toMatchObject({
        name: 'Default LiteLLM Prod Team',
        max_budget: 100,
        models: ['gpt-3.5-turbo'],
      });
    });

    it('2: a person added to the group becomes a member at their next sign-in, or at background sync', async () => {
      await signIn(BOB); // Bob signs in once, in no assigned group yet
      expect(await members(EVALS)).toHaveLength(1);
      graph.addMember(EVALS, BOB);
      const run = await t.groupSync.runOnce();
      expect(run).toMatchObject({ users: 2, synced: 2, failed: 0 });
      expect((await members(EVALS)).map((m) => m.user_id).sort()).toEqual(
        [users.get(ALICE), users.get(BOB)].sort(),
      );
    });

    it('a person removed from the group loses the IdP membership; a manual membership stays', async () => {
      const bob = users.get(BOB) ?? '';
      expectStatus(
        await t.call({
          method: 'POST',
          url: `/api/v1/teams/${EVALS}/members`,
          payload: { user_id: bob },
        }),
        201,
      );
      graph.removeMember(EVALS, BOB);
      graph.removeMember(EVALS, ALICE);
      const run = await t.groupSync.runOnce();
      expect(run.removed).toBe(2);
      const left = await members(EVALS);
      expect(left).toEqual([
        expect.objectContaining({
          user_id: bob,
          sources: [expect.objectContaining({ source: 'manual' })],
        }),
      ]);
      const audit = expectStatus<{ data: { after: { removed: string[] } }[] }>(
        await t.call({
          method: 'GET',
          url: `/api/v1/audit?action=groupsync.user_synced&target_id=${users.get(ALICE)}`,
        }),
        200,
      );
      expect(audit.data[0]?.after.removed).toEqual([EVALS]);
    });

    it('renames the team when the group is renamed, and drops memberships of groups unassigned from the app', async () => {
      graph.addMember(EVALS, ALICE);
      graph.renameGroup(EVALS, 'LLM Evals (prod)');
      graph.unassignFromApp(SP, PROD);
      await t.groupSync.runOnce();
      expect((await team(EVALS))?.name).toBe('LLM Evals (prod)');
      expect((await members(PROD)).map((m) => m.user_id)).not.toContain(users.get(ALICE));
      expect(await team(PROD)).not.toBeNull(); // the team itself stays, with its history
    });

    it('survives Graph throttling (429 + Retry-After) during sync', async () => {
      graph.addMember(PROD, BOB);
      graph.assignToApp(SP, PROD);
      graph.throttleNext(3, 2);
      const run = await t.groupSync.runOnce();
      expect(run.failed).toBe(0);
      expect((await members(PROD)).map((m) => m.user_id)).toContain(users.get(BOB));
    });

    it('when Graph fails, keeps the last known memberships and grants nothing new', async () => {
      graph.removeMember(PROD, BOB);
      graph.failNext(100, 503);
      const run = await t.groupSync.runOnce();
      expect(run.failed).toBe(2);
      expect((await members(PROD)).map((m) => m.user_id)).toContain(users.get(BOB));
      graph.failNext(0, 503);
    });

    it('app roles from Entra map to the role, most privileged first (seed 002 §4)', async () => {
      const r = await signIn(BOB, { roles: ['Internal_User', 'proxy_admin_viewer'] });
      expect(r.user.role).toBe('proxy_admin_viewer');
      expect(r.resolution.decided_by).toBe('app_role');
    });
  },
);
