import { randomUUID } from 'node:crypto';
import type { GlobalRole } from '../config/roles.js';
import type { GroupSyncConfig, RoleMappingConfig } from '../config/schema.js';
import { bool } from '../db/json.js';
import { AppError, isAppError } from '../errors/catalogue.js';
import type { Actor } from '../identity/actor.js';
import { recordAudit } from '../identity/audit.js';
import type { IdentitiesService, StoredFacts } from '../identity/identities.js';
import { loginTaken, normalizeLogin, requireUserRow, toUser } from '../identity/user-rows.js';
import type { UsersService } from '../identity/users.js';
import { type ServiceContext, type WriteScope, write } from '../identity/write.js';
import { resolveRole } from '../roles/resolve.js';
import { capFacts } from './caps.js';
import type { EffectiveMapping } from './mapping.js';
import { findProvisioned } from './pairing.js';
import { type ReconcileServices, reconcileMemberships } from './reconcile.js';
import { groupsInScope } from './scope.js';
import type {
  ConnectionPolicy,
  SignInMeta,
  SignInResult,
  SignInService,
  VerifiedIdentity,
} from './types.js';

export interface SignInDeps extends ReconcileServices {
  ctx: ServiceContext;
  users: Pick<UsersService, 'create' | 'updateProfile'>;
  identities: Pick<IdentitiesService, 'find' | 'link' | 'recordSignIn'>;
  /** The role mapping in force now (read at every sign-in, so an API change applies next time). */
  mapping: () => Promise<EffectiveMapping>;
  groupSync: GroupSyncConfig | undefined;
}

/** Token mechanics, not facts about the person: not kept for background re-evaluation. */
const TOKEN_CLAIMS = new Set([
  'iss',
  'aud',
  'exp',
  'iat',
  'nbf',
  'nonce',
  'at_hash',
  'c_hash',
  's_hash',
  'sid',
  'auth_time',
  'jti',
  'azp',
  'uti',
  'rh',
  'aio',
  'acr',
  'amr',
  'groups',
  '_claim_names',
  '_claim_sources',
]);

function factsToKeep(id: VerifiedIdentity): StoredFacts {
  const claims = Object.fromEntries(
    Object.entries(id.claims).filter(([k]) => !TOKEN_CLAIMS.has(k)),
  );
  return { claims, roles: [...id.roles] };
}

function emailDomain(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1).toLowerCase();
}

/** Linking a sign-in to an existing account by email: only when the IdP owns the domain. */
export function mayLinkByEmail(policy: ConnectionPolicy, id: VerifiedIdentity): boolean {
  if (!id.email || !policy.linkExistingByEmail || !id.emailVerified) return false;
  return policy.emailDomains.map((d) => d.toLowerCase()).includes(emailDomain(id.email));
}

/** The identity with over-long and excess facts left out, and what was left out. */
function withCaps(id: VerifiedIdentity): { id: VerifiedIdentity; leftOut: string[] } {
  const { leftOut, ...facts } = capFacts(id);
  return { id: { ...id, ...facts }, leftOut };
}

/**
 * The one sign-in pipeline every connection uses: find or create the person, refresh their
 * profile, resolve their role from the IdP facts, reconcile their teams, audit — all in one
 * transaction. Also used by background sync (`resync`).
 */
export function signInService(deps: SignInDeps): SignInService {
  const { ctx } = deps;
  const dialect = ctx.db.dialect;

  async function findOrCreate(s: WriteScope, id: VerifiedIdentity, policy: ConnectionPolicy) {
    const ref = { connection: id.connection, subject: id.subject };
    const linked = await deps.identities.find(s, ref);
    if (linked) return { userId: linked, created: false };
    if (policy.scimToken) {
      const paired = await findProvisioned(s, policy.scimToken, id);
      if (paired) {
        await deps.identities.link(s, ref, paired.userId, { by: `scim_${paired.by}` });
        return { userId: paired.userId, created: false };
      }
    }

    const email = id.email ? normalizeLogin(id.email) : null;
    if (email) {
      const existing = await s.trx
        .selectFrom('users')
        .select('id')
        .where((eb) =>
          eb.or([eb('email_normalized', '=', email), eb('user_name_normalized', '=', email)]),
        )
        .executeTakeFirst();
      if (existing) {
        // Linking by email is an account takeover vector unless the IdP owns the domain.
        if (!mayLinkByEmail(policy, id)) {
          throw new AppError(
            'conflict',
            `An account with the email ${email} already exists and is not linked to this sign-in; an admin must link it (link_existing_by_email with a verified domain).`,
          );
        }
        await deps.identities.link(s, ref, existing.id, { by: 'email' });
        return { userId: existing.id, created: false };
      }
    }
    if (!policy.jit) {
      throw new AppError(
        'forbidden',
        policy.scimToken
          ? 'Your account has not been provisioned in Gatehouse by your identity provider; ask your IT team to assign you to the Gatehouse application.'
          : 'Your account has not been provisioned in Gatehouse; ask your IT team for access.',
      );
    }
    // The IdP login name becomes the user name unless someone else already uses it.
    const wanted = id.userName ?? (email ? null : id.subject);
    const userName =
      wanted && !(await loginTaken(s, dialect, normalizeLogin(wanted))) ? wanted : null;
    const user = await deps.users.create(s, {
      id: randomUUID(),
      email: id.email,
      user_name: userName ?? (email ? null : `${id.connection}:${id.subject}`),
      display_name: id.displayName,
      given_name: id.givenName,
      family_name: id.familyName,
      source: `sso:${id.connection}`,
      role_source: 'idp',
    });
    await deps.identities.link(s, ref, user.id, { by: 'jit' });
    return { userId: user.id, created: true };
  }

  /** Applies role and teams from IdP facts to a user, inside the caller's transaction. */
  async function applyFacts(
    s: WriteScope,
    mapping: RoleMappingConfig,
    userId: string,
    id: VerifiedIdentity,
    created: boolean,
    leftOut: readonly string[],
  ) {
    const resolution = resolveRole(mapping, {
      connection: id.connection,
      groups: id.groups,
      claims: id.claims,
      roles: id.roles,
    });
    const row = await requireUserRow(s.trx, userId);
    // With a partial group list (overage and Graph failed) the facts only ever under-state the
    // person: an existing account keeps its role (no new privilege, and no admin locked out
    // while Graph is down); a new account gets what the partial facts support.
    const role = !id.groupsComplete && !created ? (row.role as GlobalRole) : resolution.role;
    // An admin can pin a role (role_source manual); the IdP's answer is then only recorded.
    const pinned = row.role_source === 'manual';
    const explanation = JSON.stringify({
      ...resolution,
      role,
      pinned,
      groups_complete: id.groupsComplete,
      ...(leftOut.length > 0 ? { left_out: leftOut } : {}),
      at: s.now,
    });
    if (pinned) {
      await s.trx
        .updateTable('users')
        .set({ role_explanation: explanation })
        .where('id', '=', userId)
        .execute();
    } else {
      // A role kept only because the groups were incomplete keeps its source too.
      const source = !id.groupsComplete && !created ? row.role_source : 'idp';
      await s.trx
        .updateTable('users')
        .set({ role, role_source: source, role_explanation: explanation, updated_at: s.now })
        .where('id', '=', userId)
        .execute();
      if (row.role !== role && !created) {
        await s.audit({
          action: 'user.role_changed',
          targetType: 'user',
          targetId: userId,
          before: { role: row.role },
          after: { role, by: s.actor.id, matched: resolution.matched },
        });
      }
    }
    const sync = await reconcileMemberships(deps, s, {
      userId,
      source: `sso:${id.connection}`,
      groups: groupsInScope(id.groups, deps.groupSync, id.assignedGroups),
      complete: id.groupsComplete,
      ruleTeams: resolution.teams,
      ruleOrganizations: resolution.organizations,
      policy: {
        create_teams: deps.groupSync?.create_teams ?? true,
        remove_memberships: deps.groupSync?.remove_memberships ?? true,
      },
    });
    s.changed({ kind: 'user', id: userId });
    return { resolution: { ...resolution, role }, roleApplied: !pinned, sync };
  }

  async function signIn(
    sent: VerifiedIdentity,
    policy: ConnectionPolicy,
    meta: SignInMeta = {},
  ): Promise<SignInResult> {
    const { id, leftOut } = withCaps(sent);
    const actor: Actor = {
      type: 'sso',
      id: `sso:${id.connection}`,
      ip: meta.ip,
      requestId: meta.requestId,
    };
    // Read before the transaction: a write scope queries only through its own transaction.
    const { mapping } = await deps.mapping();
    let knownUser: string | null = null;
    try {
      return await write(ctx, actor, async (s) => {
        const { userId, created } = await findOrCreate(s, id, policy);
        if (!created) knownUser = userId;
        const row = await requireUserRow(s.trx, userId);
        if (!bool(row.active))
          throw new AppError('user_inactive', 'Your Gatehouse account is deactivated.');
        if (!created) {
          await deps.users.updateProfile(
            s,
            userId,
            {
              email: id.email ?? undefined,
              display_name: id.displayName ?? undefined,
              given_name: id.givenName ?? undefined,
              family_name: id.familyName ?? undefined,
            },
            { source: `sso:${id.connection}`, onTaken: 'keep' },
          );
        }
        const applied = await applyFacts(s, mapping, userId, id, created, leftOut);
        await deps.identities.recordSignIn(
          s,
          { connection: id.connection, subject: id.subject },
          factsToKeep(id),
        );
        const user = toUser(await requireUserRow(s.trx, userId));
        await s.audit({
          action: 'auth.login_succeeded',
          targetType: 'user',
          targetId: userId,
          after: {
            method: `sso:${id.connection}`,
            created,
            role: user.role,
            role_pinned: !applied.roleApplied,
            matched: applied.resolution.matched,
            teams_added: applied.sync.added,
            teams_removed: applied.sync.removed,
            teams_created: applied.sync.created,
            groups_complete: id.groupsComplete,
            ...(leftOut.length > 0 ? { left_out: leftOut } : {}),
          },
        });
        return { user, created, ...applied };
      });
    } catch (e) {
      // The transaction rolled back; the refusal still gets its audit record.
      if (isAppError(e)) {
        await recordAudit(ctx.db.kysely, {
          at: ctx.now().toISOString(),
          actor,
          action: 'auth.login_failed',
          targetType: 'user',
          targetId: knownUser,
          after: {
            method: `sso:${id.connection}`,
            subject: id.subject,
            reason: e.code === 'user_inactive' ? 'user deactivated' : e.message,
            ...(meta.reference ? { reference: meta.reference } : {}),
          },
        });
      }
      throw e;
    }
  }

  async function resync(userId: string, sent: VerifiedIdentity) {
    const { id, leftOut } = withCaps(sent);
    const actor: Actor = { type: 'system', id: `groupsync:${id.connection}` };
    const { mapping } = await deps.mapping();
    return write(ctx, actor, async (s) => {
      const applied = await applyFacts(s, mapping, userId, id, false, leftOut);
      const { added, removed, created } = applied.sync;
      if (added.length || removed.length || created.length) {
        await s.audit({
          action: 'groupsync.user_synced',
          targetType: 'user',
          targetId: userId,
          after: { connection: id.connection, added, removed, created },
        });
      }
      return applied.sync;
    });
  }

  return { signIn, resync };
}
