/**
 * Change notifications for in-memory caches. The local bus delivers to this process; a Redis
 * transport (multi-instance) plugs in behind the same interface.
 */
export type Change =
  | { kind: 'user'; id: string }
  | { kind: 'team'; id: string }
  | { kind: 'org'; id: string }
  | { kind: 'key'; id: string };

export type ChangeListener = (changes: readonly Change[]) => Promise<void> | void;

export interface ChangeBus {
  publish(changes: readonly Change[]): Promise<void>;
  subscribe(listener: ChangeListener): () => void;
}

export function localChangeBus(): ChangeBus {
  const listeners = new Set<ChangeListener>();
  return {
    async publish(changes) {
      for (const l of listeners) await l(changes);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
