import { scimError } from '../errors.js';
import type { Filter } from '../filter/ast.js';
import { memberIds } from '../resources/group.js';
import { isObject, type ScimObject } from '../resources/values.js';
import { GROUP_RESOURCE } from '../schema/definitions.js';
import { URN } from '../schema/types.js';
import { applyPatch } from './engine.js';
import type { PatchOperation } from './operations.js';

/**
 * What a Group PATCH does to membership, without the member list: a store applies it to a
 * team of any size with set-based SQL (insert the added ids, delete the removed ones, or
 * replace the whole set), never by reading all members first.
 */
export type MemberDelta =
  | { kind: 'replace'; ids: string[] }
  | { kind: 'change'; add: string[]; remove: string[] };

export interface GroupPatchResult {
  /** The group's other attributes (displayName, externalId) after the PATCH. */
  resource: ScimObject;
  changed: boolean;
  members: MemberDelta;
  ignored: string[];
}

const isMembers = (op: PatchOperation) =>
  op.path !== undefined &&
  op.path.path.attr.toLowerCase() === 'members' &&
  (op.path.path.uri === undefined || op.path.path.uri.toLowerCase() === URN.group.toLowerCase());

/** `members[value eq "a"]`, `members[value eq "a" or value eq "b"]`: the ids; else null. */
function idsFromFilter(f: Filter): string[] | null {
  if (f.op === 'or') {
    const l = idsFromFilter(f.left);
    const r = idsFromFilter(f.right);
    return l && r ? [...l, ...r] : null;
  }
  if (f.op === 'eq' && f.path.attr.toLowerCase() === 'value' && !f.path.sub && f.value !== null)
    return [String(f.value)];
  return null;
}

class DeltaBuilder {
  private replaceAll: Set<string> | null = null;
  private readonly added = new Set<string>();
  private readonly removed = new Set<string>();

  add(ids: string[]): void {
    for (const id of ids) {
      if (this.replaceAll) this.replaceAll.add(id);
      else {
        this.added.add(id);
        this.removed.delete(id);
      }
    }
  }

  remove(ids: string[]): void {
    for (const id of ids) {
      if (this.replaceAll) this.replaceAll.delete(id);
      else {
        this.added.delete(id);
        this.removed.add(id);
      }
    }
  }

  replace(ids: string[]): void {
    this.replaceAll = new Set(ids);
    this.added.clear();
    this.removed.clear();
  }

  result(): MemberDelta {
    return this.replaceAll
      ? { kind: 'replace', ids: [...this.replaceAll] }
      : { kind: 'change', add: [...this.added], remove: [...this.removed] };
  }
}

function memberOp(op: PatchOperation, delta: DeltaBuilder): void {
  const where = `Operations[${op.index}]`;
  const path = op.path;
  if (path?.path.sub !== undefined || path?.subAfterFilter !== undefined)
    throw scimError(
      'invalid_path',
      `${where}: '${op.pathText}': members are added, removed or replaced as whole entries.`,
    );
  if (path?.filter) {
    const ids = op.op === 'remove' ? idsFromFilter(path.filter) : null;
    if (!ids)
      throw scimError(
        'invalid_path',
        `${where}: '${op.pathText}': only remove takes a member filter, and only value eq "<id>" (joined with or).`,
      );
    delta.remove(ids);
    return;
  }
  if (op.op === 'add') delta.add(memberIds(op.value, where));
  else if (op.op === 'replace') delta.replace(memberIds(op.value ?? [], where));
  // Without a value, remove clears the list (M-11); with one, only those go (Entra, E-21).
  else if (op.value === undefined) delta.replace([]);
  else delta.remove(memberIds(op.value, where));
}

/**
 * A Group PATCH: member operations become a delta, applied in order (Entra's validator adds
 * and removes the same member in one PATCH, E-32); the rest goes through the generic engine.
 * All or nothing: any error throws before the caller writes anything.
 */
export function applyGroupPatch(
  group: ScimObject,
  operations: readonly PatchOperation[],
  id: string,
): GroupPatchResult {
  const delta = new DeltaBuilder();
  const rest: PatchOperation[] = [];
  let memberOps = 0;
  for (const op of operations) {
    if (isMembers(op)) {
      memberOp(op, delta);
      memberOps++;
    } else if (!op.path && isObject(op.value)) {
      const entries = Object.entries(op.value);
      const members = entries.find(([k]) => k.toLowerCase() === 'members');
      if (members) {
        memberOp({ op: op.op, index: op.index, value: members[1], pathText: 'members' }, delta);
        memberOps++;
      }
      const others = entries.filter(([k]) => k.toLowerCase() !== 'members');
      if (others.length > 0) rest.push({ ...op, value: Object.fromEntries(others) });
    } else rest.push(op);
  }
  const { members: _drop, ...attributes } = group;
  const patched = applyPatch(GROUP_RESOURCE, attributes, rest, id);
  const members = delta.result();
  const memberChange =
    memberOps > 0 && (members.kind === 'replace' || members.add.length + members.remove.length > 0);
  return {
    resource: patched.resource,
    changed: patched.changed || memberChange,
    members,
    ignored: patched.ignored,
  };
}

/** The delta applied to a known member list, in memory: for tests and small previews. */
export function applyMemberDelta(current: readonly string[], delta: MemberDelta): string[] {
  if (delta.kind === 'replace') return [...delta.ids];
  const removed = new Set(delta.remove);
  const kept = current.filter((id) => !removed.has(id));
  return [...kept, ...delta.add.filter((id) => !kept.includes(id))];
}
