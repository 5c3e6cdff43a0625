import type { Kysely } from 'kysely';
import { readJson } from '../db/json.js';
import type { Database } from '../db/schema.js';
import type { Actor, Reader } from './actor.js';

export interface AuditInput {
  at: string;
  actor: Actor;
  action: string;
  targetType: string;
  targetId: string | null;
  before?: unknown;
  after?: unknown;
}

export interface AuditEvent {
  id: number;
  at: string;
  /** `key_id`: the API key the actor acted with, when it was one. */
  actor: { type: string; id: string | null; key_id: string | null };
  action: string;
  target: { type: string; id: string | null };
  before: unknown;
  after: unknown;
  ip: string | null;
  request_id: string | null;
}

/** Fields that must never reach the audit log even in before/after snapshots. */
const SECRET_FIELDS = new Set([
  'password',
  'password_hash',
  'passwordHash',
  'key',
  'key_hash',
  'token',
]);

function snapshot(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  return JSON.stringify(value, (k, v) => (SECRET_FIELDS.has(k) ? undefined : v));
}

export async function recordAudit(db: Reader, e: AuditInput): Promise<void> {
  await db
    .insertInto('audit_events')
    .values({
      at: e.at,
      actor_type: e.actor.type,
      actor_id: e.actor.id,
      actor_key_id: e.actor.keyId ?? null,
      action: e.action,
      target_type: e.targetType,
      target_id: e.targetId,
      before: snapshot(e.before),
      after: snapshot(e.after),
      ip: e.actor.ip ?? null,
      request_id: e.actor.requestId ?? null,
    })
    .execute();
}

export interface AuditQuery {
  actorId?: string | undefined;
  action?: string | undefined;
  targetType?: string | undefined;
  targetId?: string | undefined;
  /** Events strictly older than this id (the list is newest first). */
  beforeId?: number | undefined;
  limit: number;
}

export async function listAudit(db: Kysely<Database>, q: AuditQuery): Promise<AuditEvent[]> {
  let query = db.selectFrom('audit_events').selectAll().orderBy('id', 'desc').limit(q.limit);
  if (q.actorId) query = query.where('actor_id', '=', q.actorId);
  if (q.action) query = query.where('action', '=', q.action);
  if (q.targetType) query = query.where('target_type', '=', q.targetType);
  if (q.targetId) query = query.where('target_id', '=', q.targetId);
  if (q.beforeId !== undefined) query = query.where('id', '<', q.beforeId);
  const rows = await query.execute();
  return rows.map((r) => ({
    id: r.id,
    at: r.at,
    actor: { type: r.actor_type, id: r.actor_id, key_id: r.actor_key_id },
    action: r.action,
    target: { type: r.target_type, id: r.target_id },
    before: readJson(r.before, 'audit_events.before'),
    after: readJson(r.after, 'audit_events.after'),
    ip: r.ip,
    request_id: r.request_id,
  }));
}
