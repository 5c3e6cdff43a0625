import type { Dialect } from '../../db/connect.js';
import { notFound } from '../../errors/catalogue.js';
import type { Reader } from '../../identity/actor.js';
import type { UsersService } from '../../identity/users.js';
import type { WriteScope } from '../../identity/write.js';
import { scimError } from '../errors.js';
import { applyPatch } from '../patch/engine.js';
import { parsePatchRequest } from '../patch/operations.js';
import { ifMatchHolds } from '../resources/meta.js';
import { parseResource } from '../resources/parse.js';
import {
  renderUser,
  type ScimUserRow,
  type UserWrite,
  userFromRow,
  userToWrite,
} from '../resources/user.js';
import type { ScimObject } from '../resources/values.js';
import { USER_RESOURCE } from '../schema/definitions.js';
import { diffAttributes } from './diff.js';
import { lockRow } from './lock.js';
import { findUser, groupsOf } from './read.js';

/** The directory operations SCIM Users need, and nothing else. */
export type ScimUserServices = Pick<
  UsersService,
  'create' | 'updateProfile' | 'setActive' | 'remove'
>;

/** Which directory a request acts for, and how its resources are addressed. */
export interface ScimView {
  /** `scim:<directory id>`: the source of the users and memberships it provisions. */
  source: string;
  baseUrl: string;
}

export interface UserOutcome {
  /** The resource as the response shows it, before any attributes/excludedAttributes. */
  resource: ScimObject;
  /** Attributes the client sent that are not kept, for the activity log. */
  ignored: string[];
}

/** The user as a SCIM client of this directory sees it; 404 for anyone else's. */
export async function renderedUser(
  db: Reader,
  view: ScimView,
  id: string,
): Promise<{ row: ScimUserRow; resource: ScimObject }> {
  const row = await findUser(db, view.source, id);
  if (!row) throw notFound('User', id);
  const groups = (await groupsOf(db, view.source, [id])).get(id) ?? [];
  return { row, resource: renderUser(row, { baseUrl: view.baseUrl, groups }) };
}

const versionOf = (resource: ScimObject) => (resource.meta as { version: string }).version;

/**
 * SCIM Users over the users service, each operation inside the request's one write scope:
 * everything it changes (the user's columns, its SCIM attributes, deactivation and its keys and
 * sessions, audit) commits together or not at all.
 */
export function scimUsers(users: ScimUserServices, dialect: Dialect) {
  async function saveAttributes(s: WriteScope, id: string, attributes: string): Promise<void> {
    await s.trx
      .insertInto('scim_user_attributes')
      .values({ user_id: id, attributes, updated_at: s.now })
      .onConflict((oc) => oc.column('user_id').doUpdateSet({ attributes, updated_at: s.now }))
      .execute();
  }

  /** The current user, locked, after its If-Match precondition. */
  async function current(s: WriteScope, view: ScimView, id: string, ifMatch: string | undefined) {
    await lockRow(s, dialect, 'users', id);
    const found = await renderedUser(s.trx, view, id);
    if (!ifMatchHolds(ifMatch, versionOf(found.resource)))
      throw scimError(
        'precondition_failed',
        `User '${id}' has changed: its version is now ${versionOf(found.resource)}.`,
      );
    return found;
  }

  /** Writes a whole new state: profile columns (the path SSO shares), active, SCIM attributes. */
  async function store(s: WriteScope, view: ScimView, row: ScimUserRow, w: UserWrite) {
    await users.updateProfile(
      s,
      row.id,
      {
        user_name: w.user_name,
        email: w.email,
        display_name: w.display_name,
        given_name: w.given_name,
        family_name: w.family_name,
        external_id: w.external_id,
      },
      { source: view.source, onTaken: 'refuse' },
    );
    if (w.active !== (row.active !== 0)) await users.setActive(s, row.id, w.active);
    await saveAttributes(s, row.id, w.attributes);
  }

  async function audit(
    s: WriteScope,
    action: string,
    id: string,
    before: ScimObject,
    after: ScimObject,
    ignored: string[],
  ) {
    const d = diffAttributes(before, after);
    await s.audit({
      action,
      targetType: 'user',
      targetId: id,
      before: d.before,
      after: { ...d.after, changed: d.changed, ...(ignored.length ? { ignored } : {}) },
    });
  }

  const resourceOf = (r: ScimObject): ScimObject => {
    const { meta: _m, schemas: _s, id: _i, ...rest } = r;
    return rest;
  };

  return {
    /** POST /Users: a new person of this directory; a userName or email in use is 409. */
    async create(s: WriteScope, view: ScimView, body: unknown): Promise<UserOutcome> {
      const parsed = parseResource(USER_RESOURCE, body);
      const w = userToWrite(parsed.resource);
      // The users service refuses an email or user name anyone holds (409 uniqueness): SCIM
      // never takes over an account, whichever source made it.
      const user = await users.create(s, {
        user_name: w.user_name,
        email: w.email,
        display_name: w.display_name,
        given_name: w.given_name,
        family_name: w.family_name,
        external_id: w.external_id,
        active: w.active,
        source: view.source,
      });
      await saveAttributes(s, user.id, w.attributes);
      const { resource } = await renderedUser(s.trx, view, user.id);
      await audit(s, 'scim.user_created', user.id, {}, resourceOf(resource), parsed.ignored);
      return { resource, ignored: parsed.ignored };
    },

    /** PUT /Users/{id}: the body is the whole new user; what it leaves out is cleared. */
    async replace(
      s: WriteScope,
      view: ScimView,
      id: string,
      body: unknown,
      ifMatch: string | undefined,
    ): Promise<UserOutcome> {
      const parsed = parseResource(USER_RESOURCE, body);
      const { row, resource: before } = await current(s, view, id, ifMatch);
      await store(s, view, row, userToWrite(parsed.resource));
      const { resource } = await renderedUser(s.trx, view, id);
      await audit(
        s,
        'scim.user_replaced',
        id,
        resourceOf(before),
        resourceOf(resource),
        parsed.ignored,
      );
      return { resource, ignored: parsed.ignored };
    },

    /** PATCH /Users/{id}: all operations apply, or none; an unchanged user is not written. */
    async patch(
      s: WriteScope,
      view: ScimView,
      id: string,
      body: unknown,
      ifMatch: string | undefined,
    ): Promise<UserOutcome> {
      const ops = parsePatchRequest(body);
      const { row, resource: before } = await current(s, view, id, ifMatch);
      const result = applyPatch(USER_RESOURCE, userFromRow(row), ops, id);
      if (!result.changed) return { resource: before, ignored: result.ignored };
      await store(s, view, row, userToWrite(result.resource));
      const { resource } = await renderedUser(s.trx, view, id);
      await audit(
        s,
        'scim.user_patched',
        id,
        resourceOf(before),
        resourceOf(resource),
        result.ignored,
      );
      return { resource, ignored: result.ignored };
    },

    /**
     * DELETE /Users/{id}: deactivate (keys blocked, sessions ended, caches told, audited), then
     * delete the account — its keys, memberships and identities go with it, and its user name
     * and email are free again.
     */
    async remove(s: WriteScope, view: ScimView, id: string, ifMatch: string | undefined) {
      const { resource: before } = await current(s, view, id, ifMatch);
      await users.setActive(s, id, false);
      await users.remove(s, id);
      await audit(s, 'scim.user_deleted', id, resourceOf(before), {}, []);
    },
  };
}

export type ScimUsers = ReturnType<typeof scimUsers>;
