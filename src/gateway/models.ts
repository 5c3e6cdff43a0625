import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Authenticator } from '../access/authenticate.js';
import type { Principal } from '../access/principal.js';
import type { ModelEntry } from '../config/schema.js';
import type { KeyCache } from '../keys/cache.js';

/**
 * The narrowest non-empty model list wins: key, then team, then user. An empty list means
 * "no restriction at this level", as in LiteLLM.
 */
export function allowedModels(
  principal: Principal,
  keys: KeyCache,
): ((model: string) => boolean) | null {
  if (principal.kind === 'master' || !principal.keyId) return null;
  const k = keys.byId(principal.keyId);
  const list = [k?.models, k?.team?.models, k?.user?.models].find((l) => l && l.length > 0);
  return list ? (m) => list.includes(m) : null;
}

export function installModelRoutes(
  app: FastifyInstance,
  deps: { models: ModelEntry[]; auth: Authenticator; keys: KeyCache; startedAt: number },
): void {
  const handler = async (request: FastifyRequest) => {
    const principal = deps.auth.authenticateKey(request);
    const allowed = allowedModels(principal, deps.keys);
    const names = [...new Set(deps.models.map((m) => m.model_name))].filter(
      (n) => !allowed || allowed(n),
    );
    return {
      object: 'list',
      data: names.map((id) => ({
        id,
        object: 'model',
        created: deps.startedAt,
        owned_by: 'gatehouse',
      })),
    };
  };
  app.get('/v1/models', handler);
  app.get('/models', handler);
}
