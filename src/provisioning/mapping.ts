import { type RoleMappingConfig, roleMappingSchema } from '../config/schema.js';
import { readJson } from '../db/json.js';
import { AppError } from '../errors/catalogue.js';
import type { ServiceContext, WriteScope } from '../identity/write.js';
import { DEFAULT_MAPPING } from '../roles/resolve.js';

const KEY = 'role_mapping';

export interface EffectiveMapping {
  mapping: RoleMappingConfig;
  /** `config`: fixed by the config file (read-only in the UI/API); `database`: set via API/UI. */
  source: 'config' | 'database' | 'default';
}

/** The mapping in force now. Read at every sign-in, so an API change applies to the next one. */
export async function effectiveMapping(ctx: ServiceContext): Promise<EffectiveMapping> {
  if (ctx.config.roleMapping) return { mapping: ctx.config.roleMapping, source: 'config' };
  const row = await ctx.db.kysely
    .selectFrom('settings')
    .select('value')
    .where('key', '=', KEY)
    .executeTakeFirst();
  if (!row) return { mapping: DEFAULT_MAPPING, source: 'default' };
  // Stored values passed the same schema when written; re-parse so a schema change fails loudly.
  const parsed = roleMappingSchema.safeParse(readJson(row.value, 'settings.value'));
  if (!parsed.success) throw new Error('stored role_mapping no longer matches the schema');
  return { mapping: parsed.data, source: 'database' };
}

export async function storeMapping(
  ctx: ServiceContext,
  s: WriteScope,
  mapping: RoleMappingConfig,
): Promise<EffectiveMapping> {
  if (ctx.config.roleMapping) {
    throw new AppError(
      'conflict',
      'role_mapping is set in the config file and is read-only here; change the file.',
    );
  }
  const before = await s.trx
    .selectFrom('settings')
    .select('value')
    .where('key', '=', KEY)
    .executeTakeFirst();
  const value = JSON.stringify(mapping);
  await s.trx
    .insertInto('settings')
    .values({ key: KEY, value, updated_at: s.now, updated_by: s.actor.id ?? s.actor.type })
    .onConflict((oc) =>
      oc
        .column('key')
        .doUpdateSet({ value, updated_at: s.now, updated_by: s.actor.id ?? s.actor.type }),
    )
    .execute();
  await s.audit({
    action: 'settings.role_mapping_updated',
    targetType: 'setting',
    targetId: KEY,
    before: before ? readJson(before.value, 'settings.value') : null,
    after: mapping,
  });
  return { mapping, source: 'database' as const };
}
