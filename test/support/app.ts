import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import type { CheckSlots } from '../../src/access/check-slots.js';
import type { ScryptParams } from '../../src/access/passwords.js';
import { buildApp, type Gatehouse } from '../../src/app.js';
import { fromObject } from '../../src/config/load.js';
import type { GatehouseConfig } from '../../src/config/types.js';
import type { Dialect } from '../../src/db/connect.js';
import type { GatewayOptions } from '../../src/gateway/index.js';
import type { GraphClientOptions } from '../../src/groupsync/microsoft-graph.js';
import type { Actor } from '../../src/identity/actor.js';
import type { ChangeBus } from '../../src/identity/changes.js';
import { type WriteScope, write } from '../../src/identity/write.js';
import { type TestDb, testDb } from './db.js';

export const MASTER_KEY = 'sk-test-master-key-0123456789';

export interface TestApp extends Gatehouse {
  db: TestDb;
  config: GatehouseConfig;
  /** Injects a request authenticated with the master key unless `auth` says otherwise. */
  call(opts: InjectOptions & { auth?: string | null }): Promise<LightMyRequestResponse>;
  /** Runs service mutations in one write scope, as a system actor unless told otherwise. */
  write<T>(fn: (s: WriteScope) => Promise<T>, actor?: Actor): Promise<T>;
  close(): Promise<void>;
}

/**
 * A full Gatehouse on a fresh database, configured from a YAML-shaped object exactly as a
 * config file would be (so tests exercise the real config path).
 */
export async function testApp(
  dialect: Dialect,
  file: Record<string, unknown> = {},
  opts: {
    now?: () => Date;
    graphOptions?: GraphClientOptions;
    env?: Record<string, string>;
    changes?: ChangeBus;
    /** The key cache's feed poll; off (an hour) unless a test is about it. */
    feedPollMs?: number;
    uiRoot?: string;
    /** Cheaper password hashing, for tests that are not about its cost. */
    scrypt?: ScryptParams;
    passwordChecks?: CheckSlots;
    gatewayOptions?: GatewayOptions;
  } = {},
): Promise<TestApp> {
  const db = await testDb(dialect);
  const { config } = fromObject(file, '(test)', undefined, {
    env: { GATEHOUSE_MASTER_KEY: MASTER_KEY, DATABASE_URL: ':memory:', ...opts.env },
  });
  const gh = await buildApp({
    config,
    db,
    logger: false,
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.graphOptions ? { graphOptions: opts.graphOptions } : {}),
    ...(opts.changes ? { changes: opts.changes } : {}),
    feedPollMs: opts.feedPollMs ?? 3_600_000,
    ...(opts.uiRoot ? { uiRoot: opts.uiRoot } : {}),
    ...(opts.scrypt ? { scrypt: opts.scrypt } : {}),
    ...(opts.passwordChecks ? { passwordChecks: opts.passwordChecks } : {}),
    ...(opts.gatewayOptions ? { gatewayOptions: opts.gatewayOptions } : {}),
  });
  return {
    ...gh,
    db,
    config,
    call({ auth, headers, ...rest }) {
      const authHeader = auth === null ? {} : { authorization: `Bearer ${auth ?? MASTER_KEY}` };
      return gh.app.inject({ ...rest, headers: { ...authHeader, ...headers } });
    },
    write(fn, actor = { type: 'system', id: 'test' }) {
      return write(gh.services.ctx, actor, fn);
    },
    async close() {
      await gh.app.close();
      await db.dispose();
    },
  };
}
