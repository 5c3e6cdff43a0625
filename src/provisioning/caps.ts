import type { GroupRef } from '../roles/types.js';

/** Beyond these, IdP facts are left out of matching (with a note), never an error. */
export const GROUP_MAX_LENGTH = 1024;
export const GROUPS_MAX = 10_000;
export const CLAIM_STRING_MAX_LENGTH = 4096;
/** Claim rules address nested claims by dotted path; nothing real nests deeper than this. */
export const CLAIM_MAX_DEPTH = 8;

export interface Facts {
  groups: readonly GroupRef[];
  groupsComplete: boolean;
  claims: Readonly<Record<string, unknown>>;
  roles: readonly string[];
}

export interface CappedFacts {
  groups: GroupRef[];
  /** False also when groups beyond the cap were cut: the list is then known to be partial. */
  groupsComplete: boolean;
  claims: Record<string, unknown>;
  roles: string[];
  /** What was left out and why, in words, for the role explanation; empty when nothing was. */
  leftOut: string[];
}

const tooLong = (v: string | null, max: number) => v !== null && v.length > max;

/** Code-point order on (id, name), so which groups survive the count cap does not depend on order. */
function byIdThenName(a: GroupRef, b: GroupRef): number {
  const ka = `${a.id ?? ''}\u0000${a.name ?? ''}`;
  const kb = `${b.id ?? ''}\u0000${b.name ?? ''}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

const DROP = Symbol('drop');

interface ClaimCut {
  longValues: number;
  deep: boolean;
}

function capValue(v: unknown, depth: number, cut: ClaimCut): unknown {
  if (typeof v === 'string') {
    if (v.length <= CLAIM_STRING_MAX_LENGTH) return v;
    cut.longValues++;
    return DROP;
  }
  if (v === null || typeof v !== 'object') return v;
  if (depth >= CLAIM_MAX_DEPTH) {
    cut.deep = true;
    return DROP;
  }
  if (Array.isArray(v)) return v.map((x) => capValue(x, depth + 1, cut)).filter((x) => x !== DROP);
  return Object.fromEntries(
    Object.entries(v)
      .map(([k, x]) => [k, capValue(x, depth + 1, cut)] as const)
      .filter(([, x]) => x !== DROP),
  );
}

/** Claim names can be anything the IdP sends; a note quotes at most this much of one. */
const shortName = (name: string) => (name.length > 80 ? `${name.slice(0, 80)}…` : name);

/**
 * Caps what an IdP sent before it reaches the role resolver and team sync: group ids and names
 * over GROUP_MAX_LENGTH characters, groups beyond the first GROUPS_MAX, claim strings over
 * CLAIM_STRING_MAX_LENGTH, and claims nested deeper than CLAIM_MAX_DEPTH are left out. Cutting
 * the group count makes the list partial, so the pipeline treats it as it treats a failed Graph
 * lookup: no removals, and an existing account keeps its role.
 */
export function capFacts(facts: Facts): CappedFacts {
  const leftOut: string[] = [];

  const usable = facts.groups.filter(
    (g) => !tooLong(g.id, GROUP_MAX_LENGTH) && !tooLong(g.name, GROUP_MAX_LENGTH),
  );
  const long = facts.groups.length - usable.length;
  if (long > 0) {
    leftOut.push(
      `${long} group${long === 1 ? '' : 's'} with an id or name longer than ${GROUP_MAX_LENGTH} characters`,
    );
  }
  let groups = usable;
  let groupsComplete = facts.groupsComplete;
  if (usable.length > GROUPS_MAX) {
    groups = [...usable].sort(byIdThenName).slice(0, GROUPS_MAX);
    groupsComplete = false;
    leftOut.push(
      `${usable.length - GROUPS_MAX} groups beyond the first ${GROUPS_MAX} (of ${usable.length}); the group list is treated as partial`,
    );
  }

  const kept: [string, unknown][] = [];
  for (const [name, value] of Object.entries(facts.claims)) {
    const cut: ClaimCut = { longValues: 0, deep: false };
    const capped = capValue(value, 0, cut);
    if (capped !== DROP) kept.push([name, capped]);
    if (cut.longValues > 0) {
      leftOut.push(
        `claim ${shortName(name)}: ${cut.longValues} value${cut.longValues === 1 ? '' : 's'} longer than ${CLAIM_STRING_MAX_LENGTH} characters`,
      );
    }
    if (cut.deep) {
      leftOut.push(`claim ${shortName(name)}: parts nested deeper than ${CLAIM_MAX_DEPTH} levels`);
    }
  }

  const claims: Record<string, unknown> = Object.fromEntries(kept);

  const roles = facts.roles.filter((r) => r.length <= CLAIM_STRING_MAX_LENGTH);
  const longRoles = facts.roles.length - roles.length;
  if (longRoles > 0) {
    leftOut.push(
      `${longRoles} role${longRoles === 1 ? '' : 's'} longer than ${CLAIM_STRING_MAX_LENGTH} characters`,
    );
  }

  return { groups, groupsComplete, claims, roles, leftOut };
}
