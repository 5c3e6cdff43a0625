import type { ConnectionConfig } from '../config/schema.js';
import type { SecretBox } from '../config/secret-box.js';

/**
 * Which fields of a connection are secrets, and how they are kept apart from the rest: stored
 * sealed, never returned (only whether they are set), never audited. Paths are `field` or
 * `object.field`. A protocol that adds a secret (SAML's SP private key) adds its path here.
 */
export const SECRET_FIELDS: Record<ConnectionConfig['type'], readonly string[]> = {
  oidc: ['client_secret', 'private_key', 'microsoft_graph.client_secret'],
  saml: ['sp_private_key', 'sp_previous_private_key', 'microsoft_graph.client_secret'],
};

export type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

function getPath(obj: Json, path: string): unknown {
  let node: unknown = obj;
  for (const part of path.split('.')) {
    if (!isObject(node)) return undefined;
    node = node[part];
  }
  return node;
}

/** Sets (or, with undefined, removes) a value; creates no parent objects. */
function setPath(obj: Json, path: string, value: unknown): void {
  const parts = path.split('.');
  const last = parts.pop() as string;
  let node: unknown = obj;
  for (const part of parts) {
    if (!isObject(node)) return;
    node = node[part];
  }
  if (!isObject(node)) return;
  if (value === undefined) delete node[last];
  else node[last] = value;
}

const clone = (v: Json): Json => structuredClone(v);

export function secretFields(type: string): readonly string[] {
  return SECRET_FIELDS[type as ConnectionConfig['type']] ?? [];
}

/** The settings without their secrets, and the secret values by path. */
export function splitSecrets(
  type: string,
  config: Json,
): { settings: Json; secrets: Record<string, string> } {
  const settings = clone(config);
  const secrets: Record<string, string> = {};
  for (const path of secretFields(type)) {
    const v = getPath(settings, path);
    if (typeof v === 'string') secrets[path] = v;
    setPath(settings, path, undefined);
  }
  return { settings, secrets };
}

/** The inverse of splitSecrets: secrets put back where their parent object exists. */
export function joinSecrets(settings: Json, secrets: Readonly<Record<string, string>>): Json {
  const out = clone(settings);
  for (const [path, value] of Object.entries(secrets)) setPath(out, path, value);
  return out;
}

/** What the API shows instead of a secret: "set" when there is one, null when not. */
export function redactSecrets(type: string, config: Json): Json {
  const out = clone(config);
  for (const path of secretFields(type)) {
    const parent = path.includes('.') ? getPath(out, path.slice(0, path.lastIndexOf('.'))) : out;
    if (!isObject(parent)) continue;
    setPath(out, path, typeof getPath(out, path) === 'string' ? 'set' : null);
  }
  return out;
}

/** Bound into each ciphertext, so a sealed value copied to another field or row does not open. */
const context = (id: string, path: string) => `sso.connection:${id}:${path}`;

export function sealSecrets(
  box: SecretBox,
  id: string,
  secrets: Readonly<Record<string, string>>,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(secrets).map(([path, v]) => [path, box.seal(v, context(id, path))]),
  );
}

/** Throws SecretBoxError when a value was sealed under another key or altered. */
export function openSecrets(
  box: SecretBox,
  id: string,
  sealed: Readonly<Record<string, string>>,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(sealed).map(([path, v]) => [path, box.open(v, context(id, path))]),
  );
}
