import type { Kysely, Migration } from 'kysely';

/**
 * The claims and app roles of a person's last verified sign-in, per identity. Background group
 * sync re-evaluates roles with fresh groups from Graph; without these it would forget roles
 * that came from claims or app roles and demote people between sign-ins.
 */
export const identityFacts: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('identities').addColumn('facts', 'text').execute();
  },
};
