import { z } from 'zod';
import { AppError } from '../errors/catalogue.js';
import { parse } from '../http/validate.js';
import { recordAudit } from '../identity/audit.js';
import type { ApiRoutes } from './deps.js';
import { actor } from './surface.js';

const sessionParam = z.strictObject({ id: z.string().min(1).max(100) });

/** The caller's identity and own sessions, under /api/v1/me. */
export const meRoutes: ApiRoutes = (app, { services }) => {
  app.get('/me', { config: { permission: 'me:read' } }, async (req) => {
    const p = req.principal;
    if (!p || p.kind === 'master') {
      return {
        principal: 'master_key',
        key_id: null,
        key_purpose: null,
        session_id: null,
        role: 'proxy_admin',
        user: null,
        teams: [],
      };
    }
    const user = p.userId ? await services.users.get(p.userId) : null;
    const teams = p.userId ? await services.memberships.listUserTeams(p.userId) : [];
    return {
      principal: p.kind === 'session' ? 'session' : 'api_key',
      key_id: p.keyId,
      key_purpose: p.kind === 'key' ? p.purpose : null,
      session_id: p.kind === 'session' ? p.sessionId : null,
      role: p.role,
      user,
      teams,
    };
  });

  app.get('/me/sessions', { config: { permission: 'me:sessions' } }, async (req) => {
    const userId = req.principal?.userId;
    if (!userId) return { data: [] };
    const current = req.principal?.kind === 'session' ? req.principal.sessionId : null;
    const rows = await services.sessions.listForUser(userId);
    return { data: rows.map((s) => ({ ...s, current: s.id === current })) };
  });

  app.delete('/me/sessions/:id', { config: { permission: 'me:sessions' } }, async (req, reply) => {
    const { id } = parse(sessionParam, req.params, 'path');
    const userId = req.principal?.userId;
    if (!userId || !(await services.sessions.revoke(id, userId)))
      throw new AppError('not_found', `session '${id}' does not exist.`);
    await recordAudit(services.ctx.db.kysely, {
      at: services.ctx.now().toISOString(),
      actor: actor(req),
      action: 'auth.session_revoked',
      targetType: 'session',
      targetId: id,
    });
    return reply.status(204).send();
  });
};
