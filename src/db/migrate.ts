import {
  type Migration,
  type MigrationProvider,
  type MigrationResultSet,
  Migrator,
  sql,
} from 'kysely';
import type { Db } from './connect.js';
import { core } from './migrations/001_core.js';
import { access } from './migrations/002_access.js';
import { identityFacts } from './migrations/003_identity_facts.js';
import { foundation } from './migrations/004_foundation.js';
import { sso } from './migrations/005_sso.js';
import { saml } from './migrations/006_saml.js';
import { scim } from './migrations/007_scim.js';
import { spend } from './migrations/008_spend.js';
import { ssoConnections } from './migrations/009_sso_connections.js';
import { scimTokens } from './migrations/010_scim_tokens.js';

/** Migrations are code, not files read at run time, so the built package carries them. */
function migrations(dialect: Db['dialect']): Record<string, Migration> {
  return {
    '001_core': core(dialect),
    '002_access': access,
    '003_identity_facts': identityFacts,
    '004_foundation': foundation(dialect),
    '005_sso': sso,
    '006_saml': saml,
    '007_scim': scim,
    '008_spend': spend,
    '009_sso_connections': ssoConnections,
    '010_scim_tokens': scimTokens(dialect),
  };
}

async function migrator(db: Db): Promise<Migrator> {
  const provider: MigrationProvider = { getMigrations: async () => migrations(db.dialect) };
  // Kysely looks for its bookkeeping tables in any schema unless told which one; name ours so
  // databases that hold several schemas (tests, shared clusters) cannot confuse it.
  const schema =
    db.dialect === 'postgres'
      ? (await sql<{ s: string }>`select current_schema() as s`.execute(db.kysely)).rows[0]?.s
      : undefined;
  return new Migrator({
    db: db.kysely,
    provider,
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
}

export async function migrateToLatest(db: Db): Promise<string[]> {
  return applied(await (await migrator(db)).migrateToLatest());
}

/** Up to and including `name`: upgrade tests start from an older schema. */
export async function migrateTo(db: Db, name: string): Promise<string[]> {
  return applied(await (await migrator(db)).migrateTo(name));
}

function applied({ error, results }: MigrationResultSet): string[] {
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${failed} failed: ${(error as Error).message ?? String(error)}`, {
      cause: error,
    });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
