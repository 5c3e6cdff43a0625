import type { FastifyBaseLogger } from 'fastify';
import type { ConnectionConfig, GroupSyncConfig } from '../config/schema.js';
import type { IdentitiesService } from '../identity/identities.js';
import type { SignInService } from '../provisioning/types.js';
import { entraGroups } from './entra.js';
import type { GraphClient } from './microsoft-graph.js';

export interface SyncRunReport {
  users: number;
  synced: number;
  failed: number;
  added: number;
  removed: number;
}

/**
 * Re-syncs every known person of every connection that has Microsoft Graph access, so that
 * leaving a group (or being unassigned from the app) takes effect without waiting for the
 * person to sign in again. Runs on an interval; one run at a time; stops cleanly.
 */
export function backgroundGroupSync(deps: {
  identities: Pick<IdentitiesService, 'activeOfConnection'>;
  signIn: Pick<SignInService, 'resync'>;
  groupSync: GroupSyncConfig | undefined;
  /** Every connection at the time of a run (file, environment and database ones). */
  connections: () => Promise<readonly ConnectionConfig[]>;
  graphFor: (c: ConnectionConfig) => GraphClient | null;
  log: FastifyBaseLogger;
}) {
  let timer: NodeJS.Timeout | null = null;
  let first: NodeJS.Timeout | null = null;
  let running: Promise<SyncRunReport> | null = null;

  async function syncConnection(c: ConnectionConfig, report: SyncRunReport) {
    const graph = deps.graphFor(c);
    if (!graph) return;
    const people = await deps.identities.activeOfConnection(c.id);
    for (const p of people) {
      report.users++;
      // Entra subjects are `{tid}:{oid}`; Graph wants the oid.
      const oid = p.subject.slice(p.subject.lastIndexOf(':') + 1);
      const { facts } = p;
      try {
        const found = await entraGroups(graph, {
          oid,
          tokenGroupIds: null,
          servicePrincipalId: c.microsoft_graph?.service_principal_id,
          needAssigned: deps.groupSync?.scope === 'assigned_to_app',
        });
        if (!found.complete) {
          report.failed++;
          deps.log.warn(
            { connection: c.id, user: p.userId, problems: found.problems },
            'group sync: Graph incomplete; memberships kept',
          );
          continue;
        }
        const r = await deps.signIn.resync(p.userId, {
          connection: c.id,
          subject: p.subject,
          email: null,
          emailVerified: false,
          userName: null,
          displayName: null,
          givenName: null,
          familyName: null,
          groups: found.groups,
          groupsComplete: true,
          claims: facts.claims,
          roles: facts.roles,
          assignedGroups: found.assigned,
        });
        report.synced++;
        report.added += r.added.length;
        report.removed += r.removed.length;
      } catch (err) {
        report.failed++;
        deps.log.error({ err, connection: c.id, user: p.userId }, 'group sync failed for one user');
      }
    }
  }

  async function runOnce(): Promise<SyncRunReport> {
    if (running) return running;
    running = (async () => {
      const report: SyncRunReport = { users: 0, synced: 0, failed: 0, added: 0, removed: 0 };
      for (const c of await deps.connections()) {
        // One broken connection (bad Graph settings, database hiccup) must not stop the others.
        try {
          await syncConnection(c, report);
        } catch (err) {
          report.failed++;
          deps.log.error({ err, connection: c.id }, 'group sync failed for a connection');
        }
      }
      deps.log.info({ ...report }, 'group sync run finished');
      return report;
    })().finally(() => {
      running = null;
    });
    return running;
  }

  return {
    runOnce,
    start(intervalMs: number) {
      if (timer) return;
      const run = () => {
        runOnce().catch((err: unknown) => deps.log.error({ err }, 'group sync run failed'));
      };
      timer = setInterval(run, intervalMs);
      timer.unref();
      // A first run soon after start, not one whole interval later.
      first = setTimeout(run, Math.min(intervalMs, 5_000));
      first.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      if (first) clearTimeout(first);
      first = null;
      timer = null;
      if (running) await running.catch(() => undefined);
    },
  };
}

export type BackgroundGroupSync = ReturnType<typeof backgroundGroupSync>;
