import { scimError } from '../errors.js';
import type { PatchPath } from '../filter/ast.js';
import { parsePatchPath } from '../filter/parser.js';
import { isObject } from '../resources/values.js';
import { URN } from '../schema/types.js';

export type PatchOpName = 'add' | 'remove' | 'replace';

export interface PatchOperation {
  op: PatchOpName;
  /** The parsed `path`; absent for a path-less add/replace whose value is an object of attributes. */
  path?: PatchPath;
  /** The path as sent, for messages. */
  pathText?: string;
  value?: unknown;
  /** Position in `Operations`, 0-based, for messages. */
  index: number;
}

export const PATCH_LIMITS = { maxOperations: 1000 } as const;

/**
 * Reads a PatchOp message (RFC 7644 §3.5.2). Op names are matched case-insensitively: Entra
 * sends `Add`, `Replace`, `Remove` (S7). Other members of an operation (Microsoft's collection
 * sends `"name": "addMember"`) are ignored.
 */
export function parsePatchRequest(body: unknown): PatchOperation[] {
  if (!isObject(body)) throw scimError('invalid_syntax', 'The body must be a JSON object.');
  const schemas = body.schemas;
  if (
    !Array.isArray(schemas) ||
    !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === URN.patchOp.toLowerCase())
  )
    throw scimError('invalid_syntax', `'schemas' must contain ${URN.patchOp}.`);
  const ops = body.Operations ?? body.operations;
  if (!Array.isArray(ops) || ops.length === 0)
    throw scimError('invalid_syntax', "'Operations' must be a non-empty list.");
  if (ops.length > PATCH_LIMITS.maxOperations)
    throw scimError(
      'invalid_value',
      `At most ${PATCH_LIMITS.maxOperations} operations in one PATCH, got ${ops.length}.`,
    );
  return ops.map((raw, index) => parseOperation(raw, index));
}

function parseOperation(raw: unknown, index: number): PatchOperation {
  const where = `Operations[${index}]`;
  if (!isObject(raw)) throw scimError('invalid_syntax', `${where} must be an object.`);
  const name = typeof raw.op === 'string' ? raw.op.toLowerCase() : undefined;
  if (name !== 'add' && name !== 'remove' && name !== 'replace')
    throw scimError(
      'invalid_syntax',
      `${where}.op must be add, remove or replace, got ${JSON.stringify(raw.op)}.`,
    );
  const op: PatchOpName = name;
  let path: PatchPath | undefined;
  let pathText: string | undefined;
  if (raw.path !== undefined && raw.path !== null) {
    if (typeof raw.path !== 'string')
      throw scimError('invalid_path', `${where}.path must be a string.`);
    pathText = raw.path;
    path = parsePatchPath(raw.path);
  }
  if (op === 'remove' && !path)
    throw scimError('no_target', `${where}: remove needs a path (RFC 7644 §3.5.2.2).`);
  if (op !== 'remove' && !path && !isObject(raw.value))
    throw scimError(
      'invalid_value',
      `${where}: ${op} without a path needs an object of attributes as its value.`,
    );
  if (op !== 'remove' && raw.value === undefined)
    throw scimError('invalid_value', `${where}: ${op} needs a value.`);
  return {
    op,
    index,
    ...(path ? { path } : {}),
    ...(pathText !== undefined ? { pathText } : {}),
    ...(raw.value !== undefined ? { value: raw.value } : {}),
  };
}
