import type { User } from '../api/types.js';

/** How a person's role was decided, in one line for the Users list. */
export function explainRole(u: Pick<User, 'role' | 'role_source' | 'role_explanation'>): string {
  const e = u.role_explanation;
  if (u.role_source === 'manual') {
    return e && e.role !== u.role
      ? `Pinned by an administrator (the IdP would give ${e.role})`
      : 'Pinned by an administrator';
  }
  if (u.role_source === 'default' || !e) return 'Default role';
  if (e.decided_by === 'default') return 'No rule matched: default role';
  const winner = e.matched.find((m) => m.grants.role === e.role);
  if (!winner) return e.decided_by === 'app_role' ? 'App role' : 'Role mapping rule';
  const rule = winner.rule === 'app_role' ? 'App role' : `Rule ${winner.rule + 1}`;
  const incomplete = e.groups_complete === false ? ' (groups incomplete: role kept)' : '';
  return `${rule}: ${winner.matched}${incomplete}`;
}
