import type { FastifyReply, FastifyRequest } from 'fastify';
import { SCIM_CONTENT_TYPE } from '../../errors/render.js';
import type { ScimObject } from '../resources/values.js';
import type { RawQuery } from '../service/views.js';

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

/**
 * The URLs a resource path answers at: as written, and with a lower-case first segment
 * (Microsoft's collection asks for `/users`) — each with and without a trailing slash when
 * `slash` is set (it also sends `/Users/?filter=…`).
 */
export function routePaths(path: string, opts: { slash?: boolean } = {}): string[] {
  const [, first = '', rest = ''] = /^\/([^/]+)(.*)$/.exec(path) ?? [];
  const spellings = [...new Set([path, `/${first.toLowerCase()}${rest}`])];
  return opts.slash ? spellings.flatMap((p) => [p, `${p}/`]) : spellings;
}

/** The `:id` path parameter. */
export const idOf = (req: FastifyRequest): string => (req.params as { id: string }).id;

/** The query string as SCIM list and projection parameters read it. */
export const queryOf = (req: FastifyRequest): RawQuery => (req.query ?? {}) as RawQuery;

/** `If-Match`, when sent once. */
export function ifMatchOf(req: FastifyRequest): string | undefined {
  const h = req.headers['if-match'];
  return typeof h === 'string' ? h : undefined;
}
