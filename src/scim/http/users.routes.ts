import type { FastifyReply, FastifyRequest } from 'fastify';
import { parseProjection, project } from '../resources/projection.js';
import type { ScimObject } from '../resources/values.js';
import { USER_RESOURCE } from '../schema/definitions.js';
import { renderedUser } from '../service/users.js';
import { listUserResources } from '../service/views.js';
import { requireBody } from './body.js';
import type { ScimRoutes } from './plugin.js';
import { idOf, ifMatchOf, metaOf, queryOf, routePaths, sendScim } from './respond.js';
import { searchBody } from './search.js';

const token = { config: { scim_auth: 'token' as const } };

/** `/Users`: list, search, read, create, replace, patch, delete. */
export const userRoutes: ScimRoutes = (app, d) => {
  const answer = (req: FastifyRequest, reply: FastifyReply, status: number, r: ScimObject) =>
    sendScim(reply, status, project(r, parseProjection(USER_RESOURCE, queryOf(req))), metaOf(r));

  // Microsoft's collection sends `/Users/?filter=…` (M-06): both spellings are the list.
  for (const url of routePaths('/Users', { slash: true })) {
    app.get(url, token, async (req, reply) =>
      sendScim(reply, 200, await listUserResources(d.db, d.view(req), queryOf(req))),
    );
    app.post(url, token, async (req, reply) => {
      const out = await d.write(req, (s, view) => d.users.create(s, view, requireBody(req.body)));
      d.noteIgnored(req, out.ignored);
      return answer(req, reply, 201, out.resource);
    });
  }

  for (const url of routePaths('/Users/.search'))
    app.post(url, token, async (req, reply) =>
      sendScim(reply, 200, await listUserResources(d.db, d.view(req), searchBody(req.body))),
    );

  for (const url of routePaths('/Users/:id'))
    app.get(url, token, async (req, reply) => {
      const { resource } = await renderedUser(d.db.kysely, d.view(req), idOf(req));
      return answer(req, reply, 200, resource);
    });

  for (const url of routePaths('/Users/:id'))
    app.put(url, token, async (req, reply) => {
      const out = await d.write(req, (s, view) =>
        d.users.replace(s, view, idOf(req), requireBody(req.body), ifMatchOf(req)),
      );
      d.noteIgnored(req, out.ignored);
      return answer(req, reply, 200, out.resource);
    });

  for (const url of routePaths('/Users/:id'))
    app.patch(url, token, async (req, reply) => {
      const out = await d.write(req, (s, view) =>
        d.users.patch(s, view, idOf(req), requireBody(req.body), ifMatchOf(req)),
      );
      d.noteIgnored(req, out.ignored);
      // 200 with the user, as Entra's documentation and Okta expect (RFC 7644 §3.5.2).
      return answer(req, reply, 200, out.resource);
    });

  for (const url of routePaths('/Users/:id'))
    app.delete(url, token, async (req, reply) => {
      await d.write(req, (s, view) => d.users.remove(s, view, idOf(req), ifMatchOf(req)));
      return reply.status(204).send();
    });
};
