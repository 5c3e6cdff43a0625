import { patternOf } from '../config/pattern.js';
import type { GroupSyncConfig } from '../config/schema.js';
import type { GroupRef } from '../roles/types.js';
import type { SyncGroup } from './reconcile.js';

/**
 * Which of a person's groups become teams: all of them, only those assigned to the app (Entra
 * enterprise app assignment), and only those whose name or id matches `include` when set.
 * A group known only by id (Entra without Graph) still syncs to an existing team; reconcile
 * will not create a team without a name.
 */
export function groupsInScope(
  groups: readonly GroupRef[],
  policy: GroupSyncConfig | undefined,
  /** The app's assigned groups; null when they could not be read; undefined when not applicable (not Entra). */
  assignedToApp: ReadonlySet<string> | null | undefined,
): SyncGroup[] {
  const include = policy?.include?.map(patternOf) ?? null;
  const out = new Map<string, SyncGroup>();
  for (const g of groups) {
    const name = g.name || null;
    if (!name && !g.id) continue;
    if (policy?.scope === 'assigned_to_app' && assignedToApp !== undefined) {
      if (!assignedToApp || !g.id || !assignedToApp.has(g.id)) continue;
    }
    if (
      include &&
      !include.some((r) => (name !== null && r.test(name)) || (g.id !== null && r.test(g.id)))
    )
      continue;
    out.set(g.id ?? `name:${name}`, { id: g.id, name });
  }
  const key = (g: SyncGroup) => g.id ?? g.name ?? '';
  return [...out.values()].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
