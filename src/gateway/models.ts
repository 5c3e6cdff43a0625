import type { Principal } from '../access/principal.js';
import type { CachedKey } from '../keys/cache.js';

/** `GET /v1/models`: the model names this key may call (key, team, user and org all allow). */
export function listModels(
  principal: Principal | null,
  keys: { byId(id: string): CachedKey | undefined },
  names: readonly string[],
  access: { mayUse(key: CachedKey | null, model: string): boolean },
  startedAt: number,
) {
  const key = principal?.kind === 'key' ? (keys.byId(principal.keyId) ?? null) : null;
  return {
    object: 'list',
    data: names
      .filter((n) => access.mayUse(key, n))
      .map((id) => ({ id, object: 'model', created: startedAt, owned_by: 'gatehouse' })),
  };
}
