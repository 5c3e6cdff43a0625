import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { parse } from '../http/validate.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Every /sso route declares how it authenticates; one that does not fails start-up. */
    sso?: SsoRouteConfig;
  }
}

export interface SsoRouteConfig {
  /** The sign-in routes are how a person gets a session: none of them needs one. */
  authentication: 'none';
  /** A browser navigates here: errors are the HTML sign-in error page, whatever it accepts. */
  page: boolean;
}

export const SSO_PAGE: { sso: SsoRouteConfig } = { sso: { authentication: 'none', page: true } };
export const SSO_JSON: { sso: SsoRouteConfig } = { sso: { authentication: 'none', page: false } };

const loginQuery = z.object({
  return_to: z.string().max(2048).optional(),
  login_hint: z.string().max(320).optional(),
  prompt: z.string().max(40).optional(),
});
export type LoginQuery = z.infer<typeof loginQuery>;

/** Reads a sign-in route's query; a malformed one is refused like any other sign-in failure. */
export function loginOptions(request: FastifyRequest): LoginQuery {
  return parse(loginQuery, request.query, 'query');
}
