import type { GlobalRole } from '../access/roles.js';
import type { Db } from '../db/connect.js';
import { bool, readList } from '../db/json.js';
import type { ErrorCode } from '../errors/catalogue.js';
import type { Change } from '../identity/changes.js';
import { hashSecret } from './secret.js';

/** A budget as stored (the gateway keeps the running spend in memory from here on). */
export interface CachedBudget {
  maxBudget: number | null;
  budgetDuration: string | null;
  /** Epoch ms of the next period reset, or null when the budget never resets. */
  budgetResetAt: number | null;
  spend: number;
}

export interface CachedRateLimits {
  rpmLimit: number | null;
  tpmLimit: number | null;
}

/** Everything the request hot path needs to know about a key, held in memory. */
export interface CachedKey extends CachedBudget, CachedRateLimits {
  id: string;
  hash: string;
  name: string | null;
  models: string[];
  expiresAt: number | null;
  blocked: boolean;
  blockedReason: string | null;
  user:
    | ({ id: string; role: GlobalRole; active: boolean; models: string[] } & CachedBudget &
        CachedRateLimits)
    | null;
  team:
    | ({
        id: string;
        models: string[];
        blocked: boolean;
        organization: ({ id: string; models: string[] } & CachedBudget) | null;
      } & CachedBudget &
        CachedRateLimits)
    | null;
}

export type KeyCheck =
  | { ok: true; key: CachedKey }
  | {
      ok: false;
      code: Extract<
        ErrorCode,
        'invalid_credentials' | 'key_blocked' | 'key_expired' | 'user_inactive'
      >;
      message: string;
    };

type Filter = {
  column: 'k.id' | 'k.user_id' | 'k.team_id' | 't.organization_id';
  value: string;
} | null;

const time = (iso: string | null): number | null => (iso ? Date.parse(iso) : null);

/**
 * Keys by hash. Loaded whole at start, then refreshed entry by entry from change notifications
 * after each committed write, so a lookup never touches the database.
 */
export class KeyCache {
  private readonly byHash = new Map<string, CachedKey>();
  private readonly hashById = new Map<string, string>();

  constructor(private readonly db: Db) {}

  byId(id: string): CachedKey | undefined {
    const h = this.hashById.get(id);
    return h === undefined ? undefined : this.byHash.get(h);
  }

  get size(): number {
    return this.byHash.size;
  }

  async loadAll(): Promise<void> {
    this.byHash.clear();
    this.hashById.clear();
    for (const k of await this.query(null)) this.put(k);
  }

  /** Change listener: reloads exactly the keys a change can affect. */
  readonly onChanges = async (changes: readonly Change[]): Promise<void> => {
    for (const c of changes) {
      if (c.kind === 'key')
        await this.reload({ column: 'k.id', value: c.id }, (k) => k.id === c.id);
      else if (c.kind === 'user')
        await this.reload({ column: 'k.user_id', value: c.id }, (k) => k.user?.id === c.id);
      else if (c.kind === 'team')
        await this.reload({ column: 'k.team_id', value: c.id }, (k) => k.team?.id === c.id);
      else if (c.kind === 'org')
        await this.reload(
          { column: 't.organization_id', value: c.id },
          (k) => k.team?.organization?.id === c.id,
        );
    }
  };

  check(secret: string, now: number): KeyCheck {
    const key = this.byHash.get(hashSecret(secret));
    if (!key)
      return { ok: false, code: 'invalid_credentials', message: 'The API key is not valid.' };
    if (key.user && !key.user.active) {
      return { ok: false, code: 'user_inactive', message: 'The owner of this key is deactivated.' };
    }
    if (key.blocked) {
      return {
        ok: false,
        code: 'key_blocked',
        message: `This key is blocked (${key.blockedReason ?? 'blocked'}).`,
      };
    }
    if (key.team?.blocked)
      return { ok: false, code: 'key_blocked', message: "This key's team is blocked." };
    if (key.expiresAt !== null && key.expiresAt <= now) {
      return { ok: false, code: 'key_expired', message: 'This key has expired.' };
    }
    return { ok: true, key };
  }

  private async reload(filter: Filter, belongs: (k: CachedKey) => boolean): Promise<void> {
    const fresh = await this.query(filter);
    const keep = new Set(fresh.map((k) => k.id));
    for (const k of [...this.byHash.values()]) {
      if (belongs(k) && !keep.has(k.id)) this.drop(k.id);
    }
    for (const k of fresh) this.put(k);
  }

  private put(k: CachedKey): void {
    const old = this.hashById.get(k.id);
    if (old !== undefined) this.byHash.delete(old);
    this.byHash.set(k.hash, k);
    this.hashById.set(k.id, k.hash);
  }

  private drop(id: string): void {
    const h = this.hashById.get(id);
    if (h !== undefined) this.byHash.delete(h);
    this.hashById.delete(id);
  }

  private async query(filter: Filter): Promise<CachedKey[]> {
    let q = this.db.kysely
      .selectFrom('api_keys as k')
      .leftJoin('users as u', 'u.id', 'k.user_id')
      .leftJoin('teams as t', 't.id', 'k.team_id')
      .leftJoin('organizations as o', 'o.id', 't.organization_id')
      .select([
        'k.id',
        'k.key_hash',
        'k.name',
        'k.models',
        'k.max_budget',
        'k.budget_duration',
        'k.budget_reset_at',
        'k.spend',
        'k.rpm_limit',
        'k.tpm_limit',
        'k.expires_at',
        'k.blocked',
        'k.blocked_reason',
        'u.id as user_id',
        'u.role as user_role',
        'u.active as user_active',
        'u.models as user_models',
        'u.max_budget as user_max_budget',
        'u.budget_duration as user_budget_duration',
        'u.budget_reset_at as user_budget_reset_at',
        'u.spend as user_spend',
        'u.rpm_limit as user_rpm_limit',
        'u.tpm_limit as user_tpm_limit',
        't.id as team_id',
        't.models as team_models',
        't.blocked as team_blocked',
        't.max_budget as team_max_budget',
        't.budget_duration as team_budget_duration',
        't.budget_reset_at as team_budget_reset_at',
        't.spend as team_spend',
        't.rpm_limit as team_rpm_limit',
        't.tpm_limit as team_tpm_limit',
        'o.id as org_id',
        'o.models as org_models',
        'o.max_budget as org_max_budget',
        'o.budget_duration as org_budget_duration',
        'o.budget_reset_at as org_budget_reset_at',
        'o.spend as org_spend',
      ]);
    if (filter) q = q.where(filter.column, '=', filter.value);
    const rows = await q.execute();
    return rows.map((r) => ({
      id: r.id,
      hash: r.key_hash,
      name: r.name,
      models: readList(r.models, 'api_keys.models'),
      maxBudget: r.max_budget,
      budgetDuration: r.budget_duration,
      budgetResetAt: time(r.budget_reset_at),
      spend: r.spend,
      rpmLimit: r.rpm_limit,
      tpmLimit: r.tpm_limit,
      expiresAt: time(r.expires_at),
      blocked: bool(r.blocked),
      blockedReason: r.blocked_reason,
      user:
        r.user_id !== null && r.user_role !== null && r.user_active !== null
          ? {
              id: r.user_id,
              role: r.user_role as GlobalRole,
              active: bool(r.user_active),
              models: readList(r.user_models ?? '[]', 'users.models'),
              maxBudget: r.user_max_budget,
              budgetDuration: r.user_budget_duration,
              budgetResetAt: time(r.user_budget_reset_at),
              spend: r.user_spend ?? 0,
              rpmLimit: r.user_rpm_limit,
              tpmLimit: r.user_tpm_limit,
            }
          : null,
      team:
        r.team_id !== null
          ? {
              id: r.team_id,
              models: readList(r.team_models ?? '[]', 'teams.models'),
              blocked: bool(r.team_blocked ?? 0),
              maxBudget: r.team_max_budget,
              budgetDuration: r.team_budget_duration,
              budgetResetAt: time(r.team_budget_reset_at),
              spend: r.team_spend ?? 0,
              rpmLimit: r.team_rpm_limit,
              tpmLimit: r.team_tpm_limit,
              organization:
                r.org_id !== null
                  ? {
                      id: r.org_id,
                      models: readList(r.org_models ?? '[]', 'organizations.models'),
                      maxBudget: r.org_max_budget,
                      budgetDuration: r.org_budget_duration,
                      budgetResetAt: time(r.org_budget_reset_at),
                      spend: r.org_spend ?? 0,
                    }
                  : null,
            }
          : null,
    }));
  }
}
