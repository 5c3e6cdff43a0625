import { randomUUID } from 'node:crypto';
import type { Dialect } from '../../db/connect.js';
import { notFound } from '../../errors/catalogue.js';
import type { TeamsService } from '../../identity/teams.js';
import type { WriteScope } from '../../identity/write.js';
import { scimError } from '../errors.js';
import { applyGroupPatch, type MemberDelta } from '../patch/group.js';
import { parsePatchRequest } from '../patch/operations.js';
import {
  groupFromRow,
  groupVersion,
  parseGroup,
  type ScimTeamRow,
  teamIdFor,
} from '../resources/group.js';
import { assertMaxLength, SCIM_MAX_LENGTH as MAX } from '../resources/limits.js';
import { ifMatchHolds } from '../resources/meta.js';
import type { ScimObject } from '../resources/values.js';
import {
  applyMemberChange,
  type MemberResult,
  membershipStamp,
  unknownMembers,
} from '../store/members.js';
import { boundedIds, diffAttributes } from './diff.js';
import { lockRow } from './lock.js';
import { findTeam, teamNamed } from './read.js';
import type { ScimView } from './users.js';

export type ScimTeamServices = Pick<TeamsService, 'create' | 'update' | 'remove'>;

export interface GroupOutcome {
  id: string;
  /** True when POST met a team that already existed (Entra's object id, made by SSO group sync). */
  linked: boolean;
  ignored: string[];
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/**
 * SCIM Groups are teams. Every team is a Group (Okta links pushed groups to existing ones, SSO
 * group sync and SCIM meet on Entra's object id), but a directory's members are only its own
 * memberships (source `scim:<directory>`): a person added by hand or by SSO stays when SCIM
 * removes them, and SCIM shows and replaces only what it manages.
 */
/** A team's name and external id within the bounds the management API keeps them in. */
function checkLengths(name: string, externalId: string | null): void {
  assertMaxLength('displayName', name.trim(), MAX.displayName);
  assertMaxLength('externalId', externalId, MAX.externalId);
}

export function scimGroups(teams: ScimTeamServices, dialect: Dialect) {
  async function current(s: WriteScope, view: ScimView, id: string, ifMatch: string | undefined) {
    await lockRow(s, dialect, 'teams', id);
    const row = await findTeam(s.trx, id);
    if (!row) throw notFound('Group', id);
    const version = groupVersion(row, await membershipStamp(s.trx, id, view.source));
    if (!ifMatchHolds(ifMatch, version))
      throw scimError(
        'precondition_failed',
        `Group '${id}' has changed: its version is now ${version}.`,
      );
    return row;
  }

  /** Group displayNames are unique, case-insensitively (Entra's validator checks, E-27). */
  async function assertNameFree(s: WriteScope, name: string, exceptId?: string) {
    const other = await teamNamed(s.trx, name, exceptId);
    if (other)
      throw scimError(
        'uniqueness',
        `A group named '${other.name}' already exists (id ${other.id}).`,
      );
  }

  /** Members must be users this directory provisioned; any other id refuses the whole request. */
  async function applyMembers(s: WriteScope, view: ScimView, teamId: string, delta: MemberDelta) {
    const wanted = delta.kind === 'replace' ? delta.ids : delta.add;
    const unknown = await unknownMembers(s.trx, dialect, wanted, view.source);
    if (unknown.length > 0)
      throw scimError(
        'invalid_value',
        `members: ${unknown.length} id(s) are not users of this SCIM directory: ${unknown.slice(0, 10).join(', ')}${unknown.length > 10 ? ', …' : ''}.`,
      );
    const result = await applyMemberChange(s.trx, dialect, {
      teamId,
      source: view.source,
      delta,
      now: s.now,
    });
    // The set-based write bypasses the memberships service: this request records it itself.
    s.changed({ kind: 'team', id: teamId });
    return result;
  }

  /** Name and externalId through the teams service, only when they change. */
  async function rename(
    s: WriteScope,
    row: ScimTeamRow,
    next: { name: string; externalId: string | null | undefined },
  ) {
    checkLengths(next.name, next.externalId ?? null);
    const patch: { name?: string; external_id?: string | null } = {};
    if (next.name.trim() !== row.name) {
      await assertNameFree(s, next.name, row.id);
      patch.name = next.name;
    }
    if (next.externalId !== undefined && next.externalId !== row.external_id)
      patch.external_id = next.externalId;
    if (Object.keys(patch).length > 0) await teams.update(s, row.id, patch);
  }

  async function audit(
    s: WriteScope,
    action: string,
    id: string,
    before: ScimObject,
    after: ScimObject,
    extra: { members?: { delta: MemberDelta; result: MemberResult }; ignored?: string[] } = {},
  ) {
    const d = diffAttributes(before, after);
    const m = extra.members;
    await s.audit({
      action,
      targetType: 'team',
      targetId: id,
      before: d.before,
      after: {
        ...d.after,
        changed: d.changed,
        ...(m
          ? {
              members:
                m.delta.kind === 'replace'
                  ? { replaced_with: boundedIds(m.delta.ids), ...m.result }
                  : {
                      add: boundedIds(m.delta.add),
                      remove: boundedIds(m.delta.remove),
                      ...m.result,
                    },
            }
          : {}),
        ...(extra.ignored?.length ? { ignored: extra.ignored } : {}),
      },
    });
  }

  return {
    /**
     * POST /Groups. Entra's object id (a GUID externalId) is the team id: when that team exists
     * already (SSO group sync made it), the group is linked to it instead of refused.
     */
    async create(s: WriteScope, view: ScimView, body: unknown): Promise<GroupOutcome> {
      const g = parseGroup(body);
      const name = String(g.resource.displayName);
      const externalId = str(g.resource.externalId);
      checkLengths(name, externalId);
      const guid = teamIdFor(externalId);
      const existing = guid ? await findTeam(s.trx, guid) : undefined;
      let id: string;
      if (existing) {
        await lockRow(s, dialect, 'teams', existing.id);
        await rename(s, existing, { name, externalId });
        id = existing.id;
      } else {
        await assertNameFree(s, name);
        const team = await teams.create(s, {
          id: guid ?? randomUUID(),
          name,
          external_id: externalId,
          source: view.source,
        });
        id = team.id;
      }
      const delta: MemberDelta = { kind: 'replace', ids: g.memberIds ?? [] };
      const result =
        g.memberIds !== undefined || !existing ? await applyMembers(s, view, id, delta) : undefined;
      await audit(
        s,
        existing ? 'scim.group_linked' : 'scim.group_created',
        id,
        existing ? groupFromRow(existing) : {},
        { displayName: name, ...(externalId !== null ? { externalId } : {}) },
        { ...(result ? { members: { delta, result } } : {}), ignored: g.ignored },
      );
      return { id, linked: existing !== undefined, ignored: g.ignored };
    },

    /**
     * PUT /Groups/{id}: displayName, and externalId and members when the body has them. A PUT
     * without `members` leaves the members alone (a rename must not empty a 10,000-member team);
     * `"members": []` removes this directory's members.
     */
    async replace(
      s: WriteScope,
      view: ScimView,
      id: string,
      body: unknown,
      ifMatch: string | undefined,
    ): Promise<GroupOutcome> {
      const g = parseGroup(body);
      const row = await current(s, view, id, ifMatch);
      const hasExternalId = Object.keys(body as object).some(
        (k) => k.toLowerCase() === 'externalid',
      );
      const next = {
        name: String(g.resource.displayName),
        externalId: hasExternalId ? str(g.resource.externalId) : undefined,
      };
      await rename(s, row, next);
      const delta: MemberDelta | undefined =
        g.memberIds !== undefined ? { kind: 'replace', ids: g.memberIds } : undefined;
      const result = delta ? await applyMembers(s, view, id, delta) : undefined;
      const after = groupFromRow({
        ...row,
        name: next.name.trim(),
        external_id: next.externalId ?? row.external_id,
      });
      await audit(s, 'scim.group_replaced', id, groupFromRow(row), after, {
        ...(delta && result ? { members: { delta, result } } : {}),
        ignored: g.ignored,
      });
      return { id, linked: false, ignored: g.ignored };
    },

    /** PATCH /Groups/{id}: attributes through the teams service, members as one set-based delta. */
    async patch(
      s: WriteScope,
      view: ScimView,
      id: string,
      body: unknown,
      ifMatch: string | undefined,
    ): Promise<GroupOutcome> {
      const ops = parsePatchRequest(body);
      const row = await current(s, view, id, ifMatch);
      const before = groupFromRow(row);
      const r = applyGroupPatch(before, ops, id);
      if (!r.changed) return { id, linked: false, ignored: r.ignored };
      await rename(s, row, {
        name: String(r.resource.displayName),
        externalId: str(r.resource.externalId),
      });
      const memberOps =
        r.members.kind === 'replace' || r.members.add.length + r.members.remove.length > 0;
      const result = memberOps ? await applyMembers(s, view, id, r.members) : undefined;
      await audit(s, 'scim.group_patched', id, before, r.resource, {
        ...(result ? { members: { delta: r.members, result } } : {}),
        ignored: r.ignored,
      });
      return { id, linked: false, ignored: r.ignored };
    },

    /**
     * DELETE /Groups/{id}: a team this directory created goes, with its memberships and team
     * keys (audited by the service). A team it only met (made by hand, by SSO group sync or by
     * another directory) stays: the directory lets go of it, removing its own memberships only,
     * so a SCIM client can never delete what it does not own.
     */
    async remove(s: WriteScope, view: ScimView, id: string, ifMatch: string | undefined) {
      const row = await current(s, view, id, ifMatch);
      const owner = await s.trx
        .selectFrom('teams')
        .select('source')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      if (owner.source !== view.source) {
        const result = await applyMembers(s, view, id, { kind: 'replace', ids: [] });
        await audit(s, 'scim.group_released', id, groupFromRow(row), { members: { result } });
        return;
      }
      await teams.remove(s, id);
      await audit(s, 'scim.group_deleted', id, groupFromRow(row), {});
    },
  };
}

export type ScimGroups = ReturnType<typeof scimGroups>;
