import type { Kysely } from 'kysely';
import { connectionSchema } from '../config/connection-schema.js';
import type { ConnectionConfig } from '../config/schema.js';
import { type SecretBox, SecretBoxError } from '../config/secret-box.js';
import { isUniqueViolation } from '../db/errors.js';
import type { Database } from '../db/schema.js';
import { AppError } from '../errors/catalogue.js';
import type { Log, WriteScope } from '../identity/write.js';
import {
  type Json,
  joinSecrets,
  openSecrets,
  redactSecrets,
  sealSecrets,
  splitSecrets,
} from './connection-secrets.js';
import { connectionStore, type StoredConnection } from './connection-store.js';

/**
 * Every SSO connection, wherever it is defined: the config file (`sso.connections`), LiteLLM's
 * environment variables, and the database (made through the management API). File and
 * environment connections are read-only through the API. Database connections are read on every
 * call, so a change made on one instance applies on every instance at the next sign-in.
 */
export type ConnectionSource = 'config' | 'environment' | 'database';

export interface RegisteredConnection {
  /** Secrets in clear: for the protocol code only, never for a response or a log line. */
  config: ConnectionConfig;
  source: ConnectionSource;
  readOnly: boolean;
  createdAt: string | null;
  updatedAt: string | null;
}

/** What the sign-in routes, discovery and background sync need. */
export interface ConnectionLookup {
  list(): Promise<RegisteredConnection[]>;
  get(id: string): Promise<RegisteredConnection | null>;
}

export interface ConnectionRegistry extends ConnectionLookup {
  /** False without GATEHOUSE_SECRET: connections with secrets cannot be stored then. */
  readonly canStoreSecrets: boolean;
  create(s: WriteScope, config: ConnectionConfig): Promise<RegisteredConnection>;
  /** Replaces a database connection's settings with a complete, validated config. */
  update(s: WriteScope, id: string, config: ConnectionConfig): Promise<RegisteredConnection>;
  remove(s: WriteScope, id: string): Promise<void>;
  /** Start-up: throws ConnectionSecretsError when stored secrets cannot be opened. */
  checkSecrets(): Promise<void>;
}

export class ConnectionSecretsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConnectionSecretsError';
  }
}

export interface ConnectionRegistryDeps {
  db: Kysely<Database>;
  /** Connections of the config file and of LiteLLM's environment, in that order. */
  configured: readonly ConnectionConfig[];
  /** Which of those came from LiteLLM's environment variables. */
  fromEnvironment: ReadonlySet<string>;
  box: SecretBox | null;
  log: Log;
}

/** Secrets replaced by "set"/null: what audit events and API answers may carry. */
export function redactedConfig(c: ConnectionConfig): Json {
  return redactSecrets(c.type, c as unknown as Json);
}

/** A stored row for the audit trail: settings, and "set" for each sealed secret. */
function storedRedacted(row: StoredConnection): Json {
  return redactSecrets(row.type, joinSecrets(row.settings, row.sealed));
}

function readOnlyMessage(id: string, source: ConnectionSource): string {
  return source === 'environment'
    ? `Connection '${id}' comes from LiteLLM's environment variables (MICROSOFT_* / GENERIC_*) and is read-only here; change the environment.`
    : `Connection '${id}' is set in the config file and is read-only here; change the file.`;
}

/** 409 for a connection the API may not change (from the config file or the environment). */
export function assertWritable(c: RegisteredConnection): void {
  if (c.readOnly) throw new AppError('conflict', readOnlyMessage(c.config.id, c.source));
}

export function connectionRegistry(deps: ConnectionRegistryDeps): ConnectionRegistry {
  const store = connectionStore(deps.db);
  const { box } = deps;
  const configured: RegisteredConnection[] = deps.configured.map((config) => ({
    config,
    source: deps.fromEnvironment.has(config.id) ? 'environment' : 'config',
    readOnly: true,
    createdAt: null,
    updatedAt: null,
  }));
  const configuredById = new Map(configured.map((c) => [c.config.id, c]));

  /** A stored row as a connection; null (with a log line) when it cannot be used. */
  function fromStored(row: StoredConnection): RegisteredConnection | null {
    let secrets: Record<string, string> = {};
    if (Object.keys(row.sealed).length > 0) {
      if (!box) {
        deps.log.error({ connection: row.id }, 'connection secrets stored but no GATEHOUSE_SECRET');
        return null;
      }
      try {
        secrets = openSecrets(box, row.id, row.sealed);
      } catch (e) {
        if (!(e instanceof SecretBoxError)) throw e;
        deps.log.error({ connection: row.id, code: e.code }, 'connection secret does not open');
        return null;
      }
    }
    const parsed = connectionSchema.safeParse(joinSecrets(row.settings, secrets));
    if (!parsed.success) {
      deps.log.error(
        { connection: row.id, problems: parsed.error.issues.map((i) => i.message) },
        'stored connection no longer matches the schema',
      );
      return null;
    }
    return {
      config: parsed.data,
      source: 'database',
      readOnly: false,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    };
  }

  function sealed(config: ConnectionConfig): { settings: Json; sealed: Record<string, string> } {
    const { settings, secrets } = splitSecrets(config.type, config as unknown as Json);
    if (Object.keys(secrets).length > 0 && !box) {
      throw new AppError(
        'conflict',
        'Secrets cannot be stored: GATEHOUSE_SECRET is not set. Set it (the same value on every instance) and restart, or put the connection in the config file.',
      );
    }
    return { settings, sealed: box ? sealSecrets(box, config.id, secrets) : {} };
  }

  async function writable(id: string): Promise<void> {
    const own = configuredById.get(id);
    if (own) throw new AppError('conflict', readOnlyMessage(id, own.source));
  }

  const registry: ConnectionRegistry = {
    canStoreSecrets: box !== null,

    async list() {
      const stored = (await store.list())
        .filter((r) => !configuredById.has(r.id))
        .map(fromStored)
        .filter((c): c is RegisteredConnection => c !== null);
      return [...configured, ...stored];
    },

    async get(id) {
      const own = configuredById.get(id);
      if (own) return own;
      const row = await store.get(id);
      return row ? fromStored(row) : null;
    },

    async create(s, config) {
      const own = configuredById.get(config.id);
      if (own) {
        throw new AppError(
          'conflict',
          `A connection with id '${config.id}' already exists (${own.source === 'environment' ? "from LiteLLM's environment variables" : 'in the config file'}).`,
        );
      }
      const parts = sealed(config);
      try {
        await store.insert(s, { id: config.id, type: config.type, ...parts });
      } catch (e) {
        if (isUniqueViolation(e)) {
          throw new AppError('conflict', `A connection with id '${config.id}' already exists.`);
        }
        throw e;
      }
      await s.audit({
        action: 'sso.connection_created',
        targetType: 'sso_connection',
        targetId: config.id,
        after: redactedConfig(config),
      });
      return {
        config,
        source: 'database',
        readOnly: false,
        createdAt: s.now,
        updatedAt: s.now,
      };
    },

    async update(s, id, config) {
      await writable(id);
      if (config.id !== id) throw new AppError('validation_failed', 'The id cannot change.');
      const before = await store.getIn(s, id);
      if (!before) throw new AppError('not_found', `Connection '${id}' does not exist.`);
      await store.update(s, id, sealed(config));
      await s.audit({
        action: 'sso.connection_updated',
        targetType: 'sso_connection',
        targetId: id,
        before: storedRedacted(before),
        after: redactedConfig(config),
      });
      return {
        config,
        source: 'database',
        readOnly: false,
        createdAt: before.createdAt,
        updatedAt: s.now,
      };
    },

    async remove(s, id) {
      await writable(id);
      const row = await store.getIn(s, id);
      if (!row || !(await store.remove(s, id))) {
        throw new AppError('not_found', `Connection '${id}' does not exist.`);
      }
      await s.audit({
        action: 'sso.connection_deleted',
        targetType: 'sso_connection',
        targetId: id,
        before: storedRedacted(row),
      });
    },

    async checkSecrets() {
      const values = await store.sealedValues();
      if (values.length === 0) return;
      const ids = [...new Set(values.map((v) => v.id))].join(', ');
      if (!box) {
        throw new ConnectionSecretsError(
          `Connection secrets are stored in the database (connections: ${ids}), but GATEHOUSE_SECRET is not set, so they cannot be decrypted. Set GATEHOUSE_SECRET to the value they were stored with.`,
        );
      }
      for (const v of values) {
        try {
          box.open(v.value, `sso.connection:${v.id}:${v.path}`);
        } catch (e) {
          if (e instanceof SecretBoxError && (e.code === 'wrong_key' || e.code === 'bad_format')) {
            throw new ConnectionSecretsError(
              `Connection secrets in the database (connections: ${ids}) were encrypted under another GATEHOUSE_SECRET than the one in use (key id ${box.keyId}). Set GATEHOUSE_SECRET to the value they were stored with (every instance needs the same one).`,
            );
          }
          if (!(e instanceof SecretBoxError)) throw e;
          // An altered value makes only its own connection unusable; it is logged when read.
          deps.log.error(
            { connection: v.id, field: v.path, code: e.code },
            'a stored connection secret does not decrypt; that connection cannot be used',
          );
        }
      }
    },
  };
  return registry;
}
