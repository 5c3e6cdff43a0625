import { existsSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** Where `npm run build` puts the SPA: `dist/ui` at the package root (two levels above here). */
export const DEFAULT_UI_ROOT = fileURLToPath(new URL('../../dist/ui/', import.meta.url));

export const UI_PREFIX = '/ui/';

/**
 * The SPA needs nothing from another origin and no inline code: anything injected into a page
 * (a stored name rendered as HTML by mistake) cannot run, and no other site may frame it.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
};

const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

/**
 * Vite names every built asset `name-<hash>.ext` under `assets/`: its content never changes
 * under that name, so browsers may keep it for a year. Everything else (index.html above all,
 * which names the current hashes) must be revalidated, or a deploy would leave old pages behind.
 */
export function cacheControlFor(relativePath: string): string {
  const p = relativePath.split(sep).join('/');
  return /^assets\/[^/]+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/.test(p) ? IMMUTABLE : REVALIDATE;
}

/**
 * Which requests get index.html: client routes (`/ui/teams/abc`), never a missing file under
 * `assets/` or anything with an extension, which must stay a 404 rather than HTML posing as JS.
 */
export function isClientRoute(pathUnderUi: string): boolean {
  if (pathUnderUi.startsWith('assets/')) return false;
  const last = pathUnderUi.split('/').pop() ?? '';
  return !/\.[A-Za-z0-9]+$/.test(last);
}

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Gatehouse admin UI not built</title></head>
<body><h1>The admin UI is not built</h1>
<p>This Gatehouse has no <code>dist/ui</code> folder. Build it from the checkout with
<code>npm run build</code> (which <code>npm install</code> and <code>npm start</code> also run),
then restart Gatehouse.</p>
<p>The management API at <code>/api/v1</code> works without it.</p></body></html>
`;

export interface UiOptions {
  /** The built SPA (the folder holding index.html); defaults to the package's `dist/ui`. */
  root?: string;
}

/** Serves the admin SPA at /ui/ with history fallback, cache headers and a strict CSP. */
export async function installUi(app: FastifyInstance, opts: UiOptions = {}): Promise<void> {
  const root = opts.root ?? DEFAULT_UI_ROOT;
  const indexFile = join(root, 'index.html');
  const built = existsSync(indexFile);

  app.get('/', (_req, reply) => reply.redirect(UI_PREFIX));

  await app.register(async (ui) => {
    ui.addHook('onRequest', async (_req, reply) => {
      void reply.headers(SECURITY_HEADERS);
    });
    ui.get('/ui', (_req, reply) => reply.redirect(UI_PREFIX));

    if (!built) {
      const notBuilt = (reply: FastifyReply) =>
        reply.status(503).header('cache-control', 'no-store').type('text/html').send(NOT_BUILT);
      ui.get('/ui/', (_req, reply) => notBuilt(reply));
      ui.get('/ui/*', (_req, reply) => notBuilt(reply));
      return;
    }

    // Read once: the build does not change under a running server.
    const index = readFileSync(indexFile);
    const sendIndex = (reply: FastifyReply) =>
      reply.header('cache-control', REVALIDATE).type('text/html; charset=utf-8').send(index);

    await ui.register(fastifyStatic, {
      root,
      prefix: UI_PREFIX,
      // One route per built file, registered at start; anything else falls to the route below.
      wildcard: false,
      index: false,
      dotfiles: 'deny',
      cacheControl: false,
      setHeaders(res, path) {
        res.setHeader('cache-control', cacheControlFor(relative(root, path)));
      },
    });
    ui.get('/ui/', (_req, reply) => sendIndex(reply));
    ui.get('/ui/*', (req, reply) => {
      const rest = (req.params as { '*': string })['*'];
      if (isClientRoute(rest)) return sendIndex(reply);
      return reply.callNotFound();
    });
  });
}
