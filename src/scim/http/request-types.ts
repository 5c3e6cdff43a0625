declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * How a `/scim/v2` route is authenticated: `token` (a SCIM bearer token) or `public` (the
     * discovery documents). A route that declares neither makes start-up fail.
     */
    scim_auth?: 'token' | 'public';
  }
}

export {};
