import type { GlobalRole } from '../config/roles.js';
import type { Db } from '../db/connect.js';
import { bool, readList } from '../db/json.js';
import type { ErrorCode } from '../errors/catalogue.js';
import { type FeedChange, feedBounds, readFeed } from '../identity/changes.js';
import type { KeyPurpose } from './purpose.js';

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
  purpose: KeyPurpose;
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
        /**
         * Whether the key's owner still has a membership (any source) in the team; true for a
         * team key with no owner. A team key is the team's models and budget in one member's
         * hands, so it stops working when that person leaves the team.
         */
        ownerIsMember: boolean;
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

/** How many feed entries one catch-up step reads; a larger gap reloads everything. */
const CATCH_UP_BATCH = 1_000;

/**
 * Keys by hash. Loaded whole at start, then refreshed entry by entry from the change feed
 * after each committed write, so a lookup never touches the database. Notifications carry
 * feed sequence numbers: a gap (a notification lost, or a write by another instance) makes the
 * cache read the feed from the last number it applied, and `catchUp()` on an interval bounds
 * how stale it can be when no notification arrives at all.
 */
export class KeyCache {
  private readonly byHash = new Map<string, CachedKey>();
  private readonly hashById = new Map<string, string>();
  private readonly byUser = new Map<string, Set<string>>();
  private readonly byTeam = new Map<string, Set<string>>();
  private readonly byOrg = new Map<string, Set<string>>();
  private lastSeq = 0;
  /** Every update runs after the previous one, so a slow reload never overwrites a newer one. */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly db: Db) {}

  byId(id: string): CachedKey | undefined {
    const h = this.hashById.get(id);
    return h === undefined ? undefined : this.byHash.get(h);
  }

  get size(): number {
    return this.byHash.size;
  }

  /** The last feed sequence number whose change this cache has applied. */
  get appliedSeq(): number {
    return this.lastSeq;
  }

  loadAll(): Promise<void> {
    return this.serial(() => this.reloadAll());
  }

  /** Change listener: applies a batch, or catches up from the feed when it shows a gap. */
  readonly onChanges = (changes: readonly FeedChange[]): Promise<void> =>
    this.serial(async () => {
      const first = changes.reduce((m, c) => Math.min(m, c.seq), Number.POSITIVE_INFINITY);
      if (first > this.lastSeq + 1) await this.runCatchUp();
      else await this.apply(changes);
    });

  /** Reads and applies every change after the last one applied. */
  catchUp(): Promise<void> {
    return this.serial(() => this.runCatchUp());
  }

  private serial(work: () => Promise<void>): Promise<void> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async reloadAll(): Promise<void> {
    // The feed position is read first: a change committed during the load is applied again by
    // the next catch-up rather than missed.
    const { last } = await feedBounds(this.db.kysely);
    const all = await this.query(null);
    this.byHash.clear();
    this.hashById.clear();
    this.byUser.clear();
    this.byTeam.clear();
    this.byOrg.clear();
    for (const k of all) this.put(k);
    this.lastSeq = last;
  }

  /** `hash` is the presented secret's `hashSecret`: the caller hashes once for every use. */
  check(hash: string, now: number): KeyCheck {
    const key = this.byHash.get(hash);
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
    if (key.team && !key.team.ownerIsMember) {
      return {
        ok: false,
        code: 'key_blocked',
        message: "The owner of this key is no longer a member of the key's team.",
      };
    }
    if (key.expiresAt !== null && key.expiresAt <= now) {
      return { ok: false, code: 'key_expired', message: 'This key has expired.' };
    }
    return { ok: true, key };
  }

  private async runCatchUp(): Promise<void> {
    const { first } = await feedBounds(this.db.kysely);
    // Pruned past what this cache saw: nothing tells which keys changed, so reload them all.
    if (first > this.lastSeq + 1) return this.reloadAll();
    for (;;) {
      const batch = await readFeed(this.db.kysely, this.lastSeq, CATCH_UP_BATCH);
      if (batch.length === 0) return;
      if (batch.length === CATCH_UP_BATCH) return this.reloadAll();
      await this.apply(batch);
    }
  }

  private async apply(changes: readonly FeedChange[]): Promise<void> {
    const seen = new Set<string>();
    for (const c of changes) {
      const k = `${c.kind}:${c.id}`;
      if (seen.has(k)) continue;
      seen.add(k);
      if (c.kind === 'key') await this.reload({ column: 'k.id', value: c.id }, [c.id]);
      else if (c.kind === 'user')
        await this.reload({ column: 'k.user_id', value: c.id }, this.byUser.get(c.id));
      else if (c.kind === 'team')
        await this.reload({ column: 'k.team_id', value: c.id }, this.byTeam.get(c.id));
      else if (c.kind === 'org')
        await this.reload({ column: 't.organization_id', value: c.id }, this.byOrg.get(c.id));
    }
    for (const c of changes) this.lastSeq = Math.max(this.lastSeq, c.seq);
  }

  /** Replaces the cached keys a change can affect (`held`) with what the database has now. */
  private async reload(filter: Filter, held: Iterable<string> | undefined): Promise<void> {
    const fresh = await this.query(filter);
    const keep = new Set(fresh.map((k) => k.id));
    for (const id of [...(held ?? [])]) if (!keep.has(id)) this.drop(id);
    for (const k of fresh) this.put(k);
  }

  private put(k: CachedKey): void {
    this.drop(k.id);
    this.byHash.set(k.hash, k);
    this.hashById.set(k.id, k.hash);
    if (k.user) index(this.byUser, k.user.id).add(k.id);
    if (k.team) index(this.byTeam, k.team.id).add(k.id);
    if (k.team?.organization) index(this.byOrg, k.team.organization.id).add(k.id);
  }

  private drop(id: string): void {
    const h = this.hashById.get(id);
    if (h === undefined) return;
    const old = this.byHash.get(h);
    if (old?.user) unindex(this.byUser, old.user.id, id);
    if (old?.team) unindex(this.byTeam, old.team.id, id);
    if (old?.team?.organization) unindex(this.byOrg, old.team.organization.id, id);
    this.byHash.delete(h);
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
        'k.purpose',
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
        (eb) =>
          eb
            .exists(
              eb
                .selectFrom('team_memberships as tm')
                .select('tm.user_id')
                .whereRef('tm.team_id', '=', 'k.team_id')
                .whereRef('tm.user_id', '=', 'k.user_id'),
            )
            .as('owner_in_team'),
      ]);
    if (filter) q = q.where(filter.column, '=', filter.value);
    const rows = await q.execute();
    return rows.map((r) => ({
      id: r.id,
      hash: r.key_hash,
      name: r.name,
      purpose: r.purpose as KeyPurpose,
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
              // SQLite answers EXISTS with 0/1, PostgreSQL with a boolean.
              ownerIsMember: r.user_id === null || Boolean(r.owner_in_team),
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

function index(map: Map<string, Set<string>>, owner: string): Set<string> {
  let set = map.get(owner);
  if (!set) {
    set = new Set();
    map.set(owner, set);
  }
  return set;
}

function unindex(map: Map<string, Set<string>>, owner: string, id: string): void {
  const set = map.get(owner);
  if (!set) return;
  set.delete(id);
  if (set.size === 0) map.delete(owner);
}
