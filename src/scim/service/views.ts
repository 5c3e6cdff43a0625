import { Readable } from 'node:stream';
import type { Db } from '../../db/connect.js';
import { notFound } from '../../errors/catalogue.js';
import type { Reader } from '../../identity/actor.js';
import { type ListParams, parseListParams, type RawListParams } from '../query/list.js';
import { type MemberRef, renderGroup, type ScimTeamRow } from '../resources/group.js';
import { listResponse } from '../resources/list.js';
import {
  type Projection,
  parseProjection,
  project,
  wantsAttribute,
} from '../resources/projection.js';
import { renderUser } from '../resources/user.js';
import type { ScimObject } from '../resources/values.js';
import { GROUP_RESOURCE, USER_RESOURCE } from '../schema/definitions.js';
import { membershipStamp } from '../store/members.js';
import {
  findTeam,
  groupsOf,
  listTeams,
  listUsers,
  membersOf,
  membersPage,
  stampsOf,
} from './read.js';
import type { ScimView } from './users.js';

/**
 * Large groups: a single group's members are read and written out page by page (never all
 * in memory); a list shows members only for groups up to MEMBERS_IN_LIST, within a page budget,
 * and lists bigger ones without `members` (fetch the group itself for them).
 */
export const GROUP_LIMITS = {
  /** A group with at most this many members is rendered in one piece. */
  inline: 1000,
  /** Members read per query while streaming a larger group. */
  page: 1000,
  /** In a list, groups with more members than this are listed without `members`. */
  membersInList: 1000,
  /** And a list page carries at most this many members in all. */
  listBudget: 10_000,
} as const;

/** Query string or /.search body: list parameters plus attributes/excludedAttributes. */
export type RawQuery = RawListParams & { attributes?: unknown; excludedAttributes?: unknown };

export async function listUserResources(
  db: Db,
  view: ScimView,
  raw: RawQuery,
): Promise<ScimObject> {
  const params = parseListParams(raw);
  const projection = parseProjection(USER_RESOURCE, raw);
  const page = await userPage(db, view, params, projection);
  return listResponse(page.resources, { totalResults: page.total, startIndex: params.startIndex });
}

export async function userPage(
  db: Db,
  view: ScimView,
  params: ListParams,
  projection: Projection,
): Promise<{ total: number; resources: ScimObject[] }> {
  const { total, rows } = await listUsers(db.kysely, db.dialect, view.source, params);
  const groups = await groupsOf(
    db.kysely,
    view.source,
    rows.map((r) => r.id),
  );
  return {
    total,
    resources: rows.map((r) =>
      project(renderUser(r, { baseUrl: view.baseUrl, groups: groups.get(r.id) ?? [] }), projection),
    ),
  };
}

export async function listGroupResources(
  db: Db,
  view: ScimView,
  raw: RawQuery,
): Promise<ScimObject> {
  const params = parseListParams(raw);
  const projection = parseProjection(GROUP_RESOURCE, raw);
  const page = await groupPage(db, view, params, projection);
  return listResponse(page.resources, { totalResults: page.total, startIndex: params.startIndex });
}

export async function groupPage(
  db: Db,
  view: ScimView,
  params: ListParams,
  projection: Projection,
): Promise<{ total: number; resources: ScimObject[] }> {
  const { total, rows } = await listTeams(db.kysely, db.dialect, view.source, params);
  const ids = rows.map((r) => r.id);
  const stamps = await stampsOf(db.kysely, view.source, ids);
  const stampOf = (id: string) => stamps.get(id) ?? { count: 0, lastAddedAt: null };
  let members = new Map<string, MemberRef[]>();
  const withMembers = new Set<string>();
  if (wantsAttribute(projection, 'members')) {
    let budget: number = GROUP_LIMITS.listBudget;
    for (const id of ids) {
      const n = stampOf(id).count;
      if (n > GROUP_LIMITS.membersInList || n > budget) continue;
      withMembers.add(id);
      budget -= n;
    }
    members = await membersOf(db.kysely, view.source, [...withMembers]);
  }
  return {
    total,
    resources: rows.map((r) =>
      project(
        renderGroup(r, {
          baseUrl: view.baseUrl,
          stamp: stampOf(r.id),
          ...(withMembers.has(r.id) ? { members: members.get(r.id) ?? [] } : {}),
        }),
        projection,
      ),
    ),
  };
}

/** A single group as the response carries it: a JSON object, or a stream for a large one. */
export type GroupDocument =
  | { kind: 'object'; body: ScimObject; version: string; location: string }
  | { kind: 'stream'; body: Readable; version: string; location: string };

const metaOf = (r: ScimObject) => r.meta as { version: string; location: string };

/**
 * GET /Groups/{id} (and the group POST and PUT answer with). A group of more than
 * GROUP_LIMITS.inline members is written out as it is read, page by page; each page goes
 * through the same projection, which works element by element, so the result equals the
 * one-piece rendering.
 */
export async function groupDocument(
  db: Reader,
  view: ScimView,
  id: string,
  projection: Projection,
): Promise<GroupDocument> {
  const row = await findTeam(db, id);
  if (!row) throw notFound('Group', id);
  const stamp = await membershipStamp(db, id, view.source);
  const bare = renderGroup(row, { baseUrl: view.baseUrl, stamp });
  const { version, location } = metaOf(bare);
  if (!wantsAttribute(projection, 'members'))
    return { kind: 'object', body: project(bare, projection), version, location };
  if (stamp.count <= GROUP_LIMITS.inline) {
    const members = await membersPage(db, view.source, id, null, GROUP_LIMITS.inline + 1);
    const body = project(renderGroup(row, { baseUrl: view.baseUrl, stamp, members }), projection);
    return { kind: 'object', body, version, location };
  }
  return {
    kind: 'stream',
    body: Readable.from(streamGroup(db, view, row, projection, project(bare, projection))),
    version,
    location,
  };
}

async function* streamGroup(
  db: Reader,
  view: ScimView,
  row: ScimTeamRow,
  projection: Projection,
  head: ScimObject,
): AsyncGenerator<string> {
  const { members: _none, ...rest } = head;
  const text = JSON.stringify(rest);
  yield text.slice(0, -1);
  // Each page is rendered only for its members; the page's meta (and so this stamp) is unused.
  const stamp = { count: 0, lastAddedAt: null };
  let after: string | null = null;
  let opened = false;
  for (;;) {
    const page = await membersPage(db, view.source, row.id, after, GROUP_LIMITS.page);
    if (page.length === 0) break;
    after = page[page.length - 1]?.value ?? null;
    const projected = project(
      renderGroup(row, { baseUrl: view.baseUrl, stamp, members: page }),
      projection,
    ).members;
    if (!Array.isArray(projected)) continue;
    for (const m of projected) {
      yield `${opened ? ',' : `${text.length > 2 ? ',' : ''}"members":[`}${JSON.stringify(m)}`;
      opened = true;
    }
    if (page.length < GROUP_LIMITS.page) break;
  }
  yield opened ? ']}' : '}';
}
