import { isAppError } from '../../errors/catalogue.js';
import { scimError } from '../errors.js';
import { parseListParams } from '../query/list.js';
import { listResponse } from '../resources/list.js';
import { parseProjection } from '../resources/projection.js';
import type { ScimObject } from '../resources/values.js';
import { GROUP_RESOURCE, USER_RESOURCE } from '../schema/definitions.js';
import { listTeams, listUsers } from '../service/read.js';
import type { ScimView } from '../service/users.js';
import { groupPage, type RawQuery, userPage } from '../service/views.js';
import { requireBody } from './body.js';
import type { ScimRouteDeps, ScimRoutes } from './plugin.js';
import { sendScim } from './respond.js';

/** A SearchRequest body (RFC 7644 §3.4.3): the list parameters as JSON members. */
export function searchBody(body: unknown): RawQuery {
  const b = requireBody(body);
  if (b === null || typeof b !== 'object' || Array.isArray(b))
    throw scimError('invalid_syntax', 'A search body must be a JSON object (a SearchRequest).');
  const o = b as Record<string, unknown>;
  return {
    filter: o.filter,
    sortBy: o.sortBy,
    sortOrder: o.sortOrder,
    startIndex: o.startIndex,
    count: o.count,
    attributes: o.attributes,
    excludedAttributes: o.excludedAttributes,
  };
}

/** A filter or sortBy that names what one resource type does not have: that type matches nothing. */
async function totalOrNone(count: () => Promise<{ total: number }>): Promise<number | Error> {
  try {
    return (await count()).total;
  } catch (e) {
    if (isAppError(e) && (e.code === 'invalid_filter' || e.code === 'invalid_value')) return e;
    throw e;
  }
}

/**
 * `POST /.search` (RFC 7644 §3.4.3): Users then Groups, as one list paged across both. A
 * filter valid for only one type (`userName eq …`) searches that type; one valid for neither
 * is the error it is for Users. Sorting applies within each type.
 */
export async function searchAll(
  d: ScimRouteDeps,
  view: ScimView,
  raw: RawQuery,
): Promise<ScimObject> {
  const params = parseListParams(raw);
  const probe = { ...params, startIndex: 1, count: 0 };
  const { kysely, dialect } = d.db;
  const users = await totalOrNone(() => listUsers(kysely, dialect, view.source, probe));
  const groups = await totalOrNone(() => listTeams(kysely, dialect, view.source, probe));
  if (users instanceof Error && groups instanceof Error) throw users;
  const userTotal = typeof users === 'number' ? users : 0;
  const groupTotal = typeof groups === 'number' ? groups : 0;
  const offset = params.startIndex - 1;
  const resources: ScimObject[] = [];
  if (userTotal > offset && params.count > 0) {
    const page = await userPage(
      d.db,
      view,
      { ...params, startIndex: offset + 1, count: Math.min(params.count, userTotal - offset) },
      parseProjection(USER_RESOURCE, raw),
    );
    resources.push(...page.resources);
  }
  const left = params.count - resources.length;
  if (groupTotal > 0 && left > 0) {
    const page = await groupPage(
      d.db,
      view,
      { ...params, startIndex: Math.max(0, offset - userTotal) + 1, count: left },
      parseProjection(GROUP_RESOURCE, raw),
    );
    resources.push(...page.resources);
  }
  return listResponse(resources, {
    totalResults: userTotal + groupTotal,
    startIndex: params.startIndex,
  });
}

/** `POST /.search` at the root of the SCIM base URL. */
export const searchRoutes: ScimRoutes = (app, d) => {
  app.post('/.search', { config: { scim_auth: 'token' } }, async (req, reply) =>
    sendScim(reply, 200, await searchAll(d, d.view(req), searchBody(req.body))),
  );
};
