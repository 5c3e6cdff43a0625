import { randomUUID } from 'node:crypto';
import type { GlobalRole } from '../access/roles.js';
import type { GroupSyncConfig, RoleMappingConfig } from '../config/schema.js';
import { bool } from '../db/json.js';
import { AppError, isAppError } from '../errors/catalogue.js';
import { type ReconcileResult, reconcileMemberships } from '../groupsync/reconcile.js';
import { groupsInScope } from '../groupsync/scope.js';
import { resolveRole } from '../roles/resolve.js';
import { effectiveMapping } from '../roles/settings.js';
import type { GroupRef, Resolution } from '../roles/types.js';
import { recordAudit } from './audit.js';
import { type Actor, type WriteScope, write } from './context.js';
import type { CoreServices } from './services.js';
import { toUser, type User } from './users.js';

/**
 * What a connection (OIDC, SAML) hands over after it has verified the IdP's response. Nothing
 * here may come from a token decoded without signature checks.
 */
export interface VerifiedIdentity {
  connection: string;
  /** Immutable subject: Okta `sub`; Entra `{tid}:{oid}`. Never the email. */
  subject: string;
  email: string | null;
  emailVerified: boolean;
  /** The IdP login name (Okta login, Entra UPN). */
  userName: string | null;
  displayName: string | null;
  givenName: string | null;
  familyName: string | null;
  groups: readonly GroupRef[];
  /** False when the group list may be partial (overage and Graph failed). */
  groupsComplete: boolean;
  claims: Readonly<Record<string, unknown>>;
  roles: readonly string[];
  /**
   * Group ids assigned to the app (Entra service principal): null when Graph could not say,
   * absent when the connection has no such notion (then `scope: assigned_to_app` filters nothing).
   */
  assignedGroups?: ReadonlySet<string> | null;
}

export interface ConnectionPolicy {
  id: string;
  jit: boolean;
  linkExistingByEmail: boolean;
  emailDomains: readonly string[];
}

export interface SignInResult {
  user: User;
  created: boolean;
  resolution: Resolution;
  /** False when a manually pinned role was kept despite the IdP. */
  roleApplied: boolean;
  sync: ReconcileResult;
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

export interface StoredFacts {
  claims: Record<string, unknown>;
  roles: string[];
}

function factsToKeep(id: VerifiedIdentity): StoredFacts {
  const claims = Object.fromEntries(
    Object.entries(id.claims).filter(([k]) => !TOKEN_CLAIMS.has(k)),
  );
  return { claims, roles: [...id.roles] };
}

function emailDomain(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1).toLowerCase();
}

/**
 * The one sign-in pipeline every connection uses: find or create the person, refresh their
 * profile, resolve their role from the IdP facts, reconcile their teams, audit — all in one
 * transaction. Also used by background sync (with `signIn: false`).
 */
export function signInService(services: CoreServices, groupSync: GroupSyncConfig | undefined) {
  const ctx = services.ctx;

  async function findOrCreate(
    s: WriteScope,
    id: VerifiedIdentity,
    policy: ConnectionPolicy,
    actor: Actor,
  ) {
    const linked = await s.trx
      .selectFrom('identities')
      .select('user_id')
      .where('connection_id', '=', id.connection)
      .where('subject', '=', id.subject)
      .executeTakeFirst();
    if (linked) return { userId: linked.user_id, created: false };

    const email = id.email?.trim().toLowerCase() ?? null;
    if (email) {
      const existing = await s.trx
        .selectFrom('users')
        .select('id')
        .where('email_normalized', '=', email)
        .executeTakeFirst();
      if (existing) {
        // Linking by email is an account takeover vector unless the IdP owns the domain.
        const allowed =
          policy.linkExistingByEmail &&
          id.emailVerified &&
          policy.emailDomains.map((d) => d.toLowerCase()).includes(emailDomain(email));
        if (!allowed) {
          throw new AppError(
            'conflict',
            `An account with the email ${email} already exists and is not linked to this sign-in; an admin must link it (link_existing_by_email with a verified domain).`,
          );
        }
        await s.trx
          .insertInto('identities')
          .values({
            connection_id: id.connection,
            subject: id.subject,
            user_id: existing.id,
            created_at: s.now,
            last_login_at: null,
          })
          .execute();
        await s.audit({
          action: 'user.identity_linked',
          targetType: 'user',
          targetId: existing.id,
          after: { connection: id.connection, by: 'email' },
        });
        return { userId: existing.id, created: false };
      }
    }
    if (!policy.jit) {
      throw new AppError(
        'forbidden',
        'Your account has not been provisioned in Gatehouse; ask your IT team for access.',
      );
    }
    const userId = randomUUID();
    await services.users.create(
      {
        id: userId,
        email: id.email,
        user_name: id.userName ?? (id.email ? null : id.subject),
        display_name: id.displayName,
        given_name: id.givenName,
        family_name: id.familyName,
        source: `sso:${id.connection}`,
        role_source: 'idp',
      },
      actor,
      s,
    );
    await s.trx
      .insertInto('identities')
      .values({
        connection_id: id.connection,
        subject: id.subject,
        user_id: userId,
        created_at: s.now,
        last_login_at: null,
      })
      .execute();
    return { userId, created: true };
  }

  async function refreshProfile(s: WriteScope, userId: string, id: VerifiedIdentity) {
    const set: Record<string, unknown> = {};
    if (id.displayName !== null) set.display_name = id.displayName;
    if (id.givenName !== null) set.given_name = id.givenName;
    if (id.familyName !== null) set.family_name = id.familyName;
    if (id.email) {
      const email = id.email.trim().toLowerCase();
      const taken = await s.trx
        .selectFrom('users')
        .select('id')
        .where('email_normalized', '=', email)
        .where('id', '!=', userId)
        .executeTakeFirst();
      // Someone else holds it: keep the old email rather than steal theirs.
      if (!taken) {
        set.email = id.email.trim();
        set.email_normalized = email;
      }
    }
    if (Object.keys(set).length > 0) {
      await s.trx
        .updateTable('users')
        .set({ ...set, updated_at: s.now })
        .where('id', '=', userId)
        .execute();
    }
  }

  /** Applies role and teams from IdP facts to a user, inside the caller's transaction. */
  async function applyFacts(
    s: WriteScope,
    mapping: RoleMappingConfig,
    userId: string,
    id: VerifiedIdentity,
    actor: Actor,
    created: boolean,
  ) {
    const resolution = resolveRole(mapping, {
      connection: id.connection,
      groups: id.groups,
      claims: id.claims,
      roles: id.roles,
    });
    const row = await s.trx
      .selectFrom('users')
      .selectAll()
      .where('id', '=', userId)
      .executeTakeFirstOrThrow();
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
          after: { role, by: actor.id, matched: resolution.matched },
        });
      }
    }
    const sync = await reconcileMemberships(services, s, actor, {
      userId,
      source: `sso:${id.connection}`,
      groups: groupsInScope(id.groups, groupSync, id.assignedGroups),
      complete: id.groupsComplete,
      ruleTeams: resolution.teams,
      ruleOrganizations: resolution.organizations,
      policy: {
        create_teams: groupSync?.create_teams ?? true,
        remove_memberships: groupSync?.remove_memberships ?? true,
      },
    });
    s.changed({ kind: 'user', id: userId });
    return { resolution: { ...resolution, role }, roleApplied: !pinned, sync };
  }

  async function signIn(
    id: VerifiedIdentity,
    policy: ConnectionPolicy,
    meta: { ip?: string; requestId?: string } = {},
  ): Promise<SignInResult> {
    const actor: Actor = {
      type: 'sso',
      id: `sso:${id.connection}`,
      ip: meta.ip,
      requestId: meta.requestId,
    };
    // Read before the transaction: SQLite has one connection, held by the transaction.
    const { mapping } = await effectiveMapping(ctx);
    let knownUser: string | null = null;
    try {
      return await write(ctx, actor, async (s) => {
        const { userId, created } = await findOrCreate(s, id, policy, actor);
        if (!created) knownUser = userId;
        const row = await s.trx
          .selectFrom('users')
          .select(['active'])
          .where('id', '=', userId)
          .executeTakeFirstOrThrow();
        if (!bool(row.active))
          throw new AppError('user_inactive', 'Your Gatehouse account is deactivated.');
        await refreshProfile(s, userId, id);
        const applied = await applyFacts(s, mapping, userId, id, actor, created);
        await s.trx
          .updateTable('identities')
          .set({ last_login_at: s.now, facts: JSON.stringify(factsToKeep(id)) })
          .where('connection_id', '=', id.connection)
          .where('subject', '=', id.subject)
          .execute();
        const user = toUser(
          await s.trx
            .selectFrom('users')
            .selectAll()
            .where('id', '=', userId)
            .executeTakeFirstOrThrow(),
        );
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
          },
        });
      }
      throw e;
    }
  }

  /** Background re-sync of a known user (no sign-in): role and teams from fresh IdP facts. */
  async function resync(userId: string, id: VerifiedIdentity): Promise<ReconcileResult> {
    const actor: Actor = { type: 'system', id: `groupsync:${id.connection}` };
    const { mapping } = await effectiveMapping(ctx);
    return write(ctx, actor, async (s) => {
      const applied = await applyFacts(s, mapping, userId, id, actor, false);
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

export type SignInService = ReturnType<typeof signInService>;
