/// <reference types="vite/client" />

// The cookie and header names come from the server's src/access/cookies.ts (one source of truth);
// that file types FastifyReply with @fastify/cookie's additions, so the UI's check loads them too.
import type {} from '@fastify/cookie';
