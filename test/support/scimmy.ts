import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AttrPath, Filter, Literal } from '../../src/scim/filter/ast.js';

/**
 * Third-party SCIM test data (MIT), copied byte for byte into `test/fixtures/scim-data/` with
 * its licences and provenance (`SOURCES.md` there), so a clean clone tests without anything
 * beside the repository.
 */
function findScimData(): string {
  const dir = join(import.meta.dirname, '..', 'fixtures', 'scim-data');
  if (!existsSync(join(dir, 'SOURCES.md'))) throw new Error(`SCIM test data missing at ${dir}`);
  return dir;
}

export const SCIM_DATA = findScimData();

export function scimmyFixture<T>(name: string): T {
  return JSON.parse(readFileSync(join(SCIM_DATA, 'scimmy', name), 'utf8')) as T;
}

/**
 * SCIMMY writes a parsed filter in disjunctive normal form: a list of conjunctions, each an
 * object keyed by attribute name (nested objects for sub-attributes), each leaf a condition
 * `[op, value]`, `["not", op, value]` or `["pr"]`; several conditions on one key become a list
 * of conditions; a value path with a comparison after `]` becomes `[{…sub-conditions}, cond]`.
 * This turns Gatehouse's tree into that form so the vectors can be compared as they are.
 */
type Cond = unknown[];
interface Atom {
  keys: string[];
  implicit: boolean;
  cond: Cond;
}

/** Thrown for `not` over a value path, which SCIMMY pushes inside the brackets (see the test). */
export class NegatedValuePath extends Error {}

const key = (s: string) => s.toLowerCase();

function leaf(path: AttrPath): string[] {
  return [path.attr, ...(path.sub ? [path.sub] : [])].map(key);
}

function cond(f: Filter, negated: boolean): Cond {
  const base: Cond = f.op === 'pr' ? ['pr'] : [f.op, (f as { value: Literal }).value];
  return negated ? ['not', ...base] : base;
}

function dnf(f: Filter, negated: boolean, prefix: string[]): Atom[][] {
  switch (f.op) {
    case 'not':
      return dnf(f.filter, !negated, prefix);
    case 'and':
    case 'or': {
      const isAnd = (f.op === 'and') !== negated; // De Morgan
      const left = dnf(f.left, negated, prefix);
      const right = dnf(f.right, negated, prefix);
      if (!isAnd) return [...left, ...right];
      return left.flatMap((l) => right.map((r) => [...l, ...r]));
    }
    case 'valuePath':
      if (negated) throw new NegatedValuePath();
      return dnf(f.filter, false, [...prefix, key(f.path.attr)]);
    default: {
      const p = f.path;
      return [
        [
          {
            keys: p.implicit ? prefix : [...prefix, ...leaf(p)],
            implicit: p.implicit === true,
            cond: cond(f, negated),
          },
        ],
      ];
    }
  }
}

function addCond(existing: unknown, c: Cond): unknown {
  if (existing === undefined) return c;
  const list = Array.isArray((existing as unknown[])[0])
    ? (existing as Cond[])
    : [existing as Cond];
  return [...list, c];
}

function child(node: Record<string, unknown>, k: string): Record<string, unknown> {
  if (node[k] === undefined) node[k] = {};
  return node[k] as Record<string, unknown>;
}

function build(atoms: Atom[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const implicit = new Map<string, Cond>();
  for (const a of atoms) {
    if (a.implicit) {
      implicit.set(a.keys.join('.'), a.cond);
      let node = out;
      for (const k of a.keys) node = child(node, k);
      continue;
    }
    let node = out;
    for (const k of a.keys.slice(0, -1)) node = child(node, k);
    const last = a.keys[a.keys.length - 1] as string;
    node[last] = addCond(node[last], a.cond);
  }
  for (const [path, c] of implicit) {
    const keys = path.split('.');
    let node = out;
    for (const k of keys.slice(0, -1)) node = node[k] as Record<string, unknown>;
    const last = keys[keys.length - 1] as string;
    node[last] = [node[last], c];
  }
  return out;
}

export function toScimmy(f: Filter): Record<string, unknown>[] {
  return dnf(f, false, []).map(build);
}

/** Lower-cases every object key, so attribute names compare case-insensitively. */
export function lowerKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(lowerKeys);
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [key(k), lowerKeys(x)]));
  return v;
}
