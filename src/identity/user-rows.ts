import { type Selectable, sql } from 'kysely';
import type { GlobalRole } from '../config/roles.js';
import { bool, readJson, readList } from '../db/json.js';
import type { UsersTable } from '../db/schema.js';
import { conflict, notFound } from '../errors/catalogue.js';
import type { Reader } from './actor.js';
import type { WriteScope } from './write.js';

export type RoleSource = 'default' | 'manual' | 'idp';

export interface User {
  id: string;
  email: string | null;
  user_name: string | null;
  display_name: string | null;
  given_name: string | null;
  family_name: string | null;
  role: GlobalRole;
  role_source: RoleSource;
  role_explanation: unknown;
  active: boolean;
  source: string;
  external_id: string | null;
  has_password: boolean;
  max_budget: number | null;
  budget_duration: string | null;
  budget_reset_at: string | null;
  spend: number;
  models: string[];
  rpm_limit: number | null;
  tpm_limit: number | null;
  created_at: string;
  updated_at: string;
  deactivated_at: string | null;
}

export function toUser(r: Selectable<UsersTable>): User {
  return {
    id: r.id,
    email: r.email,
    user_name: r.user_name,
    display_name: r.display_name,
    given_name: r.given_name,
    family_name: r.family_name,
    role: r.role as GlobalRole,
    role_source: r.role_source as RoleSource,
    role_explanation: readJson(r.role_explanation, 'users.role_explanation'),
    active: bool(r.active),
    source: r.source,
    external_id: r.external_id,
    has_password: r.password_hash !== null,
    max_budget: r.max_budget,
    budget_duration: r.budget_duration,
    budget_reset_at: r.budget_reset_at,
    spend: r.spend,
    models: readList(r.models, 'users.models'),
    rpm_limit: r.rpm_limit,
    tpm_limit: r.tpm_limit,
    created_at: r.created_at,
    updated_at: r.updated_at,
    deactivated_at: r.deactivated_at,
  };
}

export async function findUserRow(db: Reader, id: string) {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function requireUserRow(db: Reader, id: string) {
  const row = await findUserRow(db, id);
  if (!row) throw notFound('user', id);
  return row;
}

/** Emails and login names compare trimmed and case-insensitively. */
export const normalizeLogin = (s: string): string => s.trim().toLowerCase();

/**
 * Login names and emails share one case-insensitive namespace: `POST /auth/login` accepts
 * either, so a user name equal to someone else's email would sign in as the wrong account (and
 * let whoever chose it lock the other person out). Each value must be free in both columns of
 * every other user. On PostgreSQL an advisory lock per value closes the race between two
 * transactions checking at once; SQLite has one writer.
 */
export async function claimLoginNames(
  s: WriteScope,
  dialect: 'sqlite' | 'postgres',
  values: { email?: string | null | undefined; userName?: string | null | undefined },
  exceptId?: string,
): Promise<void> {
  const wanted = [
    ['email', values.email],
    ['user_name', values.userName],
  ].filter((v): v is [string, string] => typeof v[1] === 'string' && v[1] !== '');
  for (const [field, value] of wanted) {
    if (await loginTaken(s, dialect, value, exceptId)) {
      throw conflict(
        `the ${field === 'email' ? 'email' : 'user name'} '${value}' is already the email or user name of another user`,
      );
    }
  }
}

/** Whether another user holds this (normalized) value as email or user name; locks it on PostgreSQL. */
export async function loginTaken(
  s: WriteScope,
  dialect: 'sqlite' | 'postgres',
  value: string,
  exceptId?: string,
): Promise<boolean> {
  if (dialect === 'postgres') {
    await sql`select pg_advisory_xact_lock(hashtext(${`gatehouse-login:${value}`}))`.execute(s.trx);
  }
  let q = s.trx
    .selectFrom('users')
    .select('id')
    .where((eb) =>
      eb.or([eb('email_normalized', '=', value), eb('user_name_normalized', '=', value)]),
    );
  if (exceptId) q = q.where('id', '!=', exceptId);
  return (await q.executeTakeFirst()) !== undefined;
}
