import { notFound } from '../../errors/catalogue.js';
import {
  findResourceType,
  findSchema,
  resourceTypes,
  schemas,
  serviceProviderConfig,
} from '../discovery.js';
import type { ScimRoutes } from './plugin.js';
import { sendScim } from './respond.js';

/**
 * Discovery (RFC 7644 §4) describes the service, not anyone's data: no token needed, so a
 * client can read what is supported before it is configured.
 */
const open = { config: { scim_auth: 'public' as const } };

export const discoveryRoutes: ScimRoutes = (app, d) => {
  app.get('/ServiceProviderConfig', open, async (_req, reply) =>
    sendScim(reply, 200, serviceProviderConfig(d.baseUrl)),
  );
  app.get('/ResourceTypes', open, async (_req, reply) =>
    sendScim(reply, 200, resourceTypes(d.baseUrl)),
  );
  app.get('/ResourceTypes/:name', open, async (req, reply) => {
    const { name } = req.params as { name: string };
    const doc = findResourceType(d.baseUrl, name);
    if (!doc) throw notFound('ResourceType', name);
    return sendScim(reply, 200, doc);
  });
  app.get('/Schemas', open, async (_req, reply) => sendScim(reply, 200, schemas(d.baseUrl)));
  app.get('/Schemas/:id', open, async (req, reply) => {
    const { id } = req.params as { id: string };
    const doc = findSchema(d.baseUrl, id);
    if (!doc) throw notFound('Schema', id);
    return sendScim(reply, 200, doc);
  });
};
