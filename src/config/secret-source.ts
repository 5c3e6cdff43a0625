import { dirname } from 'node:path';
import { loadOrCreateSecretFile, MIN_SECRET_LENGTH, SecretBoxError } from './secret-box.js';
import type { GatehouseConfig } from './types.js';

export interface ResolvedSecret {
  /** The secret stored secrets are sealed under, or null when there is none. */
  secret: string | null;
  /** What start-up tells the operator about it (a log line), if anything. */
  note: { level: 'info' | 'warn'; message: string } | null;
  /** The file this call generated, so a start that is then refused can take it back. */
  createdFile?: string;
}

/** The directory of a SQLite database file; null for PostgreSQL and in-memory databases. */
export function sqliteDataDir(databaseUrl: string): string | null {
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return null;
  const path = databaseUrl.startsWith('file:') ? databaseUrl.slice('file:'.length) : databaseUrl;
  if (path === ':memory:' || path === '' || path === ':memory') return null;
  return dirname(path);
}

/**
 * GATEHOUSE_SECRET when set. Otherwise, with a SQLite database (one instance by construction),
 * a secret generated on first start beside the database file, readable by the owner only. With
 * PostgreSQL several instances may share the database, and each would generate its own secret,
 * so none is generated: connection secrets then cannot be stored through the API.
 */
export function resolveSecret(
  config: Pick<GatehouseConfig, 'secret' | 'databaseUrl'>,
): ResolvedSecret {
  if (config.secret !== undefined) {
    if (config.secret.length < MIN_SECRET_LENGTH) {
      throw new SecretBoxError(
        'weak_secret',
        `GATEHOUSE_SECRET must be at least ${MIN_SECRET_LENGTH} characters (32 random bytes recommended).`,
      );
    }
    return { secret: config.secret, note: null };
  }
  const dir = sqliteDataDir(config.databaseUrl);
  if (dir === null) {
    return {
      secret: null,
      note: /^postgres/.test(config.databaseUrl)
        ? {
            level: 'warn',
            message:
              'GATEHOUSE_SECRET is not set: SSO connection secrets cannot be stored through the API. Set it, to the same value on every instance.',
          }
        : null,
    };
  }
  const file = loadOrCreateSecretFile(dir);
  if (file.created) {
    return {
      secret: file.secret,
      createdFile: file.path,
      note: {
        level: 'warn',
        message: `GATEHOUSE_SECRET is not set: generated one in ${file.path} (mode 0600). Stored connection secrets are encrypted with it: back it up with the database, and set GATEHOUSE_SECRET before running several instances.`,
      },
    };
  }
  return {
    secret: file.secret,
    note: {
      level: file.tightened ? 'warn' : 'info',
      message: file.tightened
        ? `GATEHOUSE_SECRET is not set: using ${file.path}, whose permissions were tightened to 0600.`
        : `GATEHOUSE_SECRET is not set: using the secret in ${file.path}.`,
    },
  };
}
