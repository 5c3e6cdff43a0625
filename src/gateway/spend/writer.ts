import { CompiledQuery, sql, type Transaction } from 'kysely';
import type { Db, Dialect } from '../../db/connect.js';
import type { Database, SpendLogsTable } from '../../db/schema.js';
import type { EntityKind, SpendLedger, SpendUpdate } from './ledger.js';

const TABLE = {
  key: 'api_keys',
  user: 'users',
  team: 'teams',
  org: 'organizations',
} as const satisfies Record<EntityKind, string>;

/** Rows per INSERT: well under SQLite's and PostgreSQL's bound-parameter limits. */
const ROWS_PER_INSERT = 500;

/** Every spend_logs column, in the order of the INSERT's values. */
const COLUMNS = [
  'id',
  'request_id',
  'created_at',
  'key_id',
  'user_id',
  'team_id',
  'organization_id',
  'operation',
  'model',
  'deployment',
  'provider',
  'upstream_model',
  'stream',
  'prompt_tokens',
  'completion_tokens',
  'total_tokens',
  'usage_estimated',
  'cost',
  'latency_ms',
  'status',
  'http_status',
  'error_code',
] as const satisfies readonly (keyof SpendLogsTable)[];

// A column added to the table but not to COLUMNS fails the type check here.
type Missing = Exclude<keyof SpendLogsTable, (typeof COLUMNS)[number]>;
const complete: Missing extends never ? true : never = true;
void complete;

const insertTexts = new Map<string, string>();

/**
 * The multi-row INSERT's text for n rows, built once per size and dialect: the query builder
 * would rebuild and recompile it, row by row, on every flush (it showed in the gateway's profile).
 */
function insertText(dialect: Dialect, n: number): string {
  const cacheKey = `${dialect}:${n}`;
  let text = insertTexts.get(cacheKey);
  if (text) return text;
  let p = 0;
  const tuples: string[] = [];
  for (let r = 0; r < n; r++) {
    const marks = COLUMNS.map(() => (dialect === 'postgres' ? `$${++p}` : '?'));
    tuples.push(`(${marks.join(', ')})`);
  }
  text = `insert into "spend_logs" (${COLUMNS.map((c) => `"${c}"`).join(', ')}) values ${tuples.join(', ')}`;
  if (insertTexts.size < 64) insertTexts.set(cacheKey, text);
  return text;
}

function insertQuery(dialect: Dialect, rows: readonly SpendLogsTable[]): CompiledQuery {
  const params: unknown[] = [];
  for (const row of rows) for (const c of COLUMNS) params.push(row[c]);
  return CompiledQuery.raw(insertText(dialect, rows.length), params);
}

export interface SpendWriterOptions {
  intervalMs: number;
  /** Logs kept while the database is unreachable; beyond it the oldest are dropped (and said so). */
  maxQueued: number;
  now: () => Date;
  onError: (err: unknown, what: string) => void;
}

/**
 * Writes spend off the request path: the ledger's per-entity changes as sorted updates and the
 * request logs as multi-row inserts, in one transaction per flush, on an interval and at close.
 * A failed flush keeps everything for the next one.
 */
export class SpendWriter {
  private queue: SpendLogsTable[] = [];
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly ledger: SpendLedger,
    private readonly opts: SpendWriterOptions,
  ) {}

  record(row: SpendLogsTable): void {
    this.queue.push(row);
    if (this.queue.length > this.opts.maxQueued) {
      const dropped = this.queue.length - this.opts.maxQueued;
      this.queue.splice(0, dropped);
      this.opts.onError(new Error(`${dropped} spend log rows dropped`), 'spend log queue full');
    }
  }

  get queued(): number {
    return this.queue.length;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush(), this.opts.intervalMs);
    this.timer.unref();
  }

  /** Flushes are serialised: a second caller waits for the first, then writes what is left. */
  flush(): Promise<void> {
    this.running = this.running.then(() => this.write());
    return this.running;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }

  private async write(): Promise<void> {
    const updates = this.ledger.drain();
    const rows = this.queue;
    this.queue = [];
    if (updates.length === 0 && rows.length === 0) return;
    const now = this.opts.now().toISOString();
    try {
      await this.db.kysely.transaction().execute(async (trx) => {
        for (const u of updates) await applyUpdate(trx, u, now);
        for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
          await trx.executeQuery(insertQuery(this.db.dialect, rows.slice(i, i + ROWS_PER_INSERT)));
        }
      });
    } catch (err) {
      // A row the database refuses as data (not an outage) would fail every retry and hold up
      // everything queued behind it: write the rest without it instead.
      if (isDataError(err) && rows.length > 0) return this.salvage(updates, rows, now);
      this.ledger.restore(updates);
      this.queue = rows.concat(this.queue);
      this.opts.onError(err, 'spend write failed; will retry');
    }
  }

  /** The spend updates, then each row in its own statement, dropping (and reporting) refused ones. */
  private async salvage(updates: SpendUpdate[], rows: SpendLogsTable[], now: string) {
    try {
      await this.db.kysely.transaction().execute(async (trx) => {
        for (const u of updates) await applyUpdate(trx, u, now);
      });
    } catch (err) {
      this.ledger.restore(updates);
      this.queue = rows.concat(this.queue);
      this.opts.onError(err, 'spend write failed; will retry');
      return;
    }
    for (const [i, row] of rows.entries()) {
      try {
        await this.db.kysely.insertInto('spend_logs').values(row).execute();
      } catch (err) {
        if (!isDataError(err)) {
          this.queue = rows.slice(i).concat(this.queue);
          this.opts.onError(err, 'spend write failed; will retry');
          return;
        }
        this.opts.onError(err, `spend log row ${row.id} dropped: the database refused its data`);
      }
    }
  }
}

/**
 * PostgreSQL's data exceptions (class 22: a NUL in text, say), constraint violations (class 23:
 * also a row already written by a flush whose commit was reported lost) and program limits
 * (class 54: an index entry too large), and SQLite's counterparts: the row is at fault, not the
 * connection, so retrying it can never succeed.
 */
function isDataError(err: unknown): boolean {
  const code =
    err && typeof err === 'object' && 'code' in err ? String((err as { code: unknown }).code) : '';
  return (
    /^(22|23|54)[0-9A-Z]{3}$/.test(code) ||
    code === 'SQLITE_MISMATCH' ||
    code === 'SQLITE_TOOBIG' ||
    code.startsWith('SQLITE_CONSTRAINT')
  );
}

async function applyUpdate(trx: Transaction<Database>, u: SpendUpdate, now: string): Promise<void> {
  const spend = u.absolute ? u.absolute.spend : sql<number>`spend + ${u.delta}`;
  const reset = u.absolute
    ? {
        budget_reset_at:
          u.absolute.resetAt === null ? null : new Date(u.absolute.resetAt).toISOString(),
      }
    : {};
  if (u.kind === 'key') {
    await trx
      .updateTable('api_keys')
      .set({ spend, ...reset, last_used_at: now })
      .where('id', '=', u.id)
      .execute();
    return;
  }
  // The same two columns exist on users, teams and organizations (migration 001).
  await trx
    .updateTable(TABLE[u.kind] as 'teams')
    .set({ spend, ...reset })
    .where('id', '=', u.id)
    .execute();
}
