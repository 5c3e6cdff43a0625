import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../../db/connect.js';
import { SCIM_CONTENT_TYPE } from '../../errors/render.js';
import { parseProjection } from '../resources/projection.js';
import { GROUP_RESOURCE } from '../schema/definitions.js';
import type { ScimView } from '../service/users.js';
import { groupDocument, listGroupResources } from '../service/views.js';
import { requireBody } from './body.js';
import type { ScimRoutes } from './plugin.js';
import { idOf, ifMatchOf, queryOf, routePaths, sendScim } from './respond.js';
import { searchBody } from './search.js';

const token = { config: { scim_auth: 'token' as const } };

/** The group as a response: in one piece, or streamed when it has many members. */
async function sendGroup(
  db: Db,
  view: ScimView,
  req: FastifyRequest,
  reply: FastifyReply,
  status: number,
  id: string,
) {
  const doc = await groupDocument(
    db.kysely,
    view,
    id,
    parseProjection(GROUP_RESOURCE, queryOf(req)),
  );
  if (doc.kind === 'object')
    return sendScim(reply, status, doc.body, { version: doc.version, location: doc.location });
  return reply
    .status(status)
    .header('etag', doc.version)
    .header('location', doc.location)
    .type(SCIM_CONTENT_TYPE)
    .send(doc.body);
}

/** `/Groups`: teams. */
export const groupRoutes: ScimRoutes = (app, d) => {
  for (const url of routePaths('/Groups', { slash: true })) {
    app.get(url, token, async (req, reply) =>
      sendScim(reply, 200, await listGroupResources(d.db, d.view(req), queryOf(req))),
    );
    app.post(url, token, async (req, reply) => {
      const out = await d.write(req, (s, view) => d.groups.create(s, view, requireBody(req.body)));
      d.noteIgnored(req, out.ignored);
      return sendGroup(d.db, d.view(req), req, reply, 201, out.id);
    });
  }

  for (const url of routePaths('/Groups/.search'))
    app.post(url, token, async (req, reply) =>
      sendScim(reply, 200, await listGroupResources(d.db, d.view(req), searchBody(req.body))),
    );

  for (const url of routePaths('/Groups/:id'))
    app.get(url, token, async (req, reply) =>
      sendGroup(d.db, d.view(req), req, reply, 200, idOf(req)),
    );

  for (const url of routePaths('/Groups/:id'))
    app.put(url, token, async (req, reply) => {
      const out = await d.write(req, (s, view) =>
        d.groups.replace(s, view, idOf(req), requireBody(req.body), ifMatchOf(req)),
      );
      d.noteIgnored(req, out.ignored);
      return sendGroup(d.db, d.view(req), req, reply, 200, out.id);
    });

  for (const url of routePaths('/Groups/:id'))
    app.patch(url, token, async (req, reply) => {
      const out = await d.write(req, (s, view) =>
        d.groups.patch(s, view, idOf(req), requireBody(req.body), ifMatchOf(req)),
      );
      d.noteIgnored(req, out.ignored);
      // 204, as Entra's documentation has it; a client that names attributes gets the group.
      const q = queryOf(req);
      if (q.attributes !== undefined || q.excludedAttributes !== undefined)
        return sendGroup(d.db, d.view(req), req, reply, 200, out.id);
      return reply.status(204).send();
    });

  for (const url of routePaths('/Groups/:id'))
    app.delete(url, token, async (req, reply) => {
      await d.write(req, (s, view) => d.groups.remove(s, view, idOf(req), ifMatchOf(req)));
      return reply.status(204).send();
    });
};
