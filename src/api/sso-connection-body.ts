import { z } from 'zod';
import { oidcConnectionSchema, samlConnectionSchema } from '../config/connection-schema.js';
import type { ConnectionConfig } from '../config/schema.js';
import { AppError, type ErrorDetail } from '../errors/catalogue.js';
import { parse } from '../http/validate.js';
import { type Json, secretFields } from '../provisioning/connection-secrets.js';
import { parseCertificates, parseIdpMetadata } from '../sso/saml/idp-metadata.js';
import { generateSpKeyPair } from '../sso/saml/keys.js';

/**
 * Bodies of `POST`/`PATCH /api/v1/sso/connections`: the connection exactly as it is written in
 * the config file (DESIGN.md's snake_case keys), one variant per `type`.
 */
export const connectionBody = z.discriminatedUnion('type', [
  oidcConnectionSchema,
  samlConnectionSchema,
]);

/** Path segments under /sso that a connection id would shadow. */
const RESERVED_IDS = new Set(['connections', 'discover', 'callback', 'key']);

/** What GET shows for a secret; sent back unchanged, it means "keep the stored one". */
export const SECRET_SET = 'set';

const isObject = (v: unknown): v is Json =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

function get(obj: Json, path: string): unknown {
  const [head = '', tail] = path.split('.');
  const v = obj[head];
  return tail === undefined ? v : isObject(v) ? v[tail] : undefined;
}

/** Checks only the API adds to the file's schema (ids, secrets written as references). */
function apiProblems(raw: Json, type: string): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  if (typeof raw.id === 'string' && RESERVED_IDS.has(raw.id)) {
    problems.push({ path: 'id', message: `"${raw.id}" is reserved for a URL under /sso` });
  }
  for (const path of secretFields(type)) {
    const v = get(raw, path);
    if (typeof v === 'string' && v.startsWith('os.environ/')) {
      problems.push({
        path,
        message: 'os.environ/ references work only in the config file; send the secret itself',
      });
    }
  }
  return problems;
}

/**
 * Pasted IdP metadata and certificates are read now, not at the first sign-in: an XML bomb, text
 * that is not XML, metadata without this IdP or a certificate that does not parse would otherwise
 * be stored with a 201 and the connection then fail to load (a 404 at /sso/{id}/login) with
 * nobody told why.
 */
function checkedMetadata(c: ConnectionConfig): ConnectionConfig {
  if (c.type !== 'saml') return c;
  const certificates = c.idp_certificates ?? [];
  const bad = certificates.flatMap((pem, i) =>
    parseCertificates([pem]).ok
      ? []
      : [
          {
            path: `idp_certificates.${i}`,
            message: 'is not a valid X.509 certificate (PEM or base64)',
          },
        ],
  );
  if (bad.length > 0) refuse(bad);
  if (!c.idp_metadata_xml) return c;
  const parsed = parseIdpMetadata(
    c.idp_metadata_xml,
    c.idp_entity_id ? { entityId: c.idp_entity_id } : {},
  );
  if (!parsed.ok) refuse([{ path: 'idp_metadata_xml', message: parsed.message }]);
  return c;
}

function refuse(problems: ErrorDetail[]): never {
  const first = problems[0];
  throw new AppError(
    'validation_failed',
    first ? `Invalid body: ${first.path}: ${first.message}` : 'Invalid body.',
    problems,
  );
}

/** A new connection from a POST body; 422 listing every problem. */
export function parseNewConnection(body: unknown): ConnectionConfig {
  if (!isObject(body)) refuse([{ path: 'body', message: 'must be a JSON object' }]);
  const problems = apiProblems(body, String(body.type));
  for (const path of secretFields(String(body.type))) {
    if (get(body, path) === SECRET_SET) {
      problems.push({ path, message: 'send the secret itself ("set" is how answers show it)' });
    }
  }
  if (problems.length) refuse(problems);
  const config = checkedMetadata(parse(connectionBody, body));
  return config.type === 'saml' ? withSpKey(config) : config;
}

/**
 * A SAML connection made through the API gets its own SP key pair unless one was given: the
 * private key is stored sealed like every secret, the certificate is published in SP metadata.
 */
function withSpKey(c: Extract<ConnectionConfig, { type: 'saml' }>): ConnectionConfig {
  if (c.sp_private_key) return c;
  const pair = generateSpKeyPair({ commonName: `Gatehouse SAML SP (${c.id})` });
  return { ...c, sp_private_key: pair.privateKeyPem, sp_certificate: pair.certificatePem };
}

/**
 * A new SP key pair for a SAML connection; the current one becomes the previous one (replacing
 * any older previous pair), so SP metadata lists both until the IdP has the new certificate.
 */
export function rotatedSpKey(c: ConnectionConfig): ConnectionConfig {
  if (c.type !== 'saml') {
    throw new AppError('conflict', `Connection '${c.id}' is not SAML; it has no SP key.`);
  }
  const pair = generateSpKeyPair({ commonName: `Gatehouse SAML SP (${c.id})` });
  const { sp_previous_private_key: _k, sp_previous_certificate: _c, ...rest } = c;
  return {
    ...rest,
    sp_private_key: pair.privateKeyPem,
    sp_certificate: pair.certificatePem,
    ...(c.sp_private_key && c.sp_certificate
      ? { sp_previous_private_key: c.sp_private_key, sp_previous_certificate: c.sp_certificate }
      : {}),
  };
}

/**
 * A PATCH applied to a stored connection: each top-level key given replaces the stored value,
 * `null` removes it. A secret left out, or sent back as "set", keeps the stored one — inside
 * `microsoft_graph` too, so its tenant can change without re-entering its secret. The result is
 * validated as a whole, like a new connection.
 */
export function applyConnectionPatch(current: ConnectionConfig, patch: unknown): ConnectionConfig {
  if (!isObject(patch)) refuse([{ path: 'body', message: 'must be a JSON object' }]);
  const problems: ErrorDetail[] = [];
  if ('id' in patch && patch.id !== current.id) {
    problems.push({ path: 'id', message: 'cannot change; create a new connection instead' });
  }
  if ('type' in patch && patch.type !== current.type) {
    problems.push({ path: 'type', message: 'cannot change; create a new connection instead' });
  }
  if (problems.length) refuse(problems);
  const stored = current as unknown as Json;
  const next: Json = structuredClone(stored);
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete next[key];
    else next[key] = structuredClone(value);
  }
  for (const path of secretFields(current.type)) {
    const [head = '', tail] = path.split('.');
    const given = get(patch, path);
    const kept = get(stored, path);
    if (tail === undefined) {
      if (given === SECRET_SET) next[head] = kept;
      continue;
    }
    // A nested secret: kept when its object is patched without it (or with "set").
    const obj = next[head];
    if (isObject(obj) && isObject(patch[head]) && (given === undefined || given === SECRET_SET)) {
      if (typeof kept === 'string') obj[tail] = kept;
      else delete obj[tail];
    }
  }
  const more = apiProblems(patch, current.type);
  if (more.length) refuse(more);
  return checkedMetadata(parse(connectionBody, next));
}
