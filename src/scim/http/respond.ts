import type { FastifyReply } from 'fastify';
import { SCIM_CONTENT_TYPE } from '../../errors/render.js';
import type { ScimObject } from '../resources/values.js';

/** A SCIM JSON response; resources carry their version as the ETag (RFC 7644 §3.14). */
export function sendScim(
  reply: FastifyReply,
  status: number,
  body: ScimObject,
  opts: { version?: string | undefined; location?: string | undefined } = {},
): FastifyReply {
  if (opts.version) void reply.header('etag', opts.version);
  if (opts.location) void reply.header('location', opts.location);
  return reply.status(status).type(SCIM_CONTENT_TYPE).send(body);
}

export const metaOf = (resource: ScimObject): { version?: string; location?: string } => {
  const meta = resource.meta as { version?: string; location?: string } | undefined;
  return { version: meta?.version, location: meta?.location };
};
