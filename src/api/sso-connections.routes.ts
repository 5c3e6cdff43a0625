import { z } from 'zod';
import { AppError } from '../errors/catalogue.js';
import { parse } from '../http/validate.js';
import {
  assertWritable,
  type ConnectionRegistry,
  type RegisteredConnection,
  redactedConfig,
} from '../provisioning/connections.js';
import type { ApiRoutes } from './deps.js';
import { applyConnectionPatch, parseNewConnection, rotatedSpKey } from './sso-connection-body.js';

/** One result of Test connection (the shape every protocol answers with). */
export interface ConnectionCheckResult {
  check: string;
  status: 'ok' | 'warning' | 'error';
  message: string;
}

export interface SsoConnectionRouteDeps {
  registry: ConnectionRegistry;
  /** Read-only URLs of a connection: what to register at the IdP, where sign-in starts. */
  urlsOf(c: RegisteredConnection): Record<string, string>;
  /** Test connection, by the connection's protocol. */
  test(c: RegisteredConnection): Promise<ConnectionCheckResult[]>;
  /** A connection changed or is gone: cached IdP metadata is dropped. */
  forget(id: string): void;
}

const idParam = z.strictObject({ id: z.string().min(1).max(200) });

/** `/api/v1/sso/connections`: secrets are write-only ("set" or null in every answer). */
export function ssoConnectionRoutes(deps: SsoConnectionRouteDeps): ApiRoutes {
  const { registry } = deps;
  const present = (c: RegisteredConnection) => ({
    ...redactedConfig(c.config),
    source: c.source,
    read_only: c.readOnly,
    ...deps.urlsOf(c),
    created_at: c.createdAt,
    updated_at: c.updatedAt,
  });
  const find = async (id: string) => {
    const c = await registry.get(id);
    if (!c) throw new AppError('not_found', `Connection '${id}' does not exist.`);
    return c;
  };

  return (app, { write }) => {
    const read = { permission: 'sso_connections:read' as const };
    const change = { permission: 'sso_connections:write' as const };

    app.get('/sso/connections', { config: read }, async () => ({
      data: (await registry.list()).map(present),
    }));

    app.get('/sso/connections/:id', { config: read }, async (req) => {
      const { id } = parse(idParam, req.params, 'path');
      return present(await find(id));
    });

    app.post(
      '/sso/connections',
      { config: { ...change, target: () => ({ kind: 'list' }) } },
      async (req, reply) => {
        const config = parseNewConnection(req.body);
        const created = await write(req, (s) => registry.create(s, config));
        deps.forget(created.config.id);
        return reply.status(201).send(present(created));
      },
    );

    app.patch('/sso/connections/:id', { config: change }, async (req) => {
      const { id } = parse(idParam, req.params, 'path');
      const current = await find(id);
      // File and environment connections are read-only whatever the body says: say so first.
      assertWritable(current);
      const next = applyConnectionPatch(current.config, req.body);
      const updated = await write(req, (s) => registry.update(s, id, next));
      deps.forget(id);
      return present(updated);
    });

    app.delete('/sso/connections/:id', { config: change }, async (req, reply) => {
      const { id } = parse(idParam, req.params, 'path');
      await write(req, (s) => registry.remove(s, id));
      deps.forget(id);
      return reply.status(204).send();
    });

    // The old pair stays published (and decrypting) until PATCH removes sp_previous_*.
    app.post('/sso/connections/:id/rotate-sp-key', { config: change }, async (req) => {
      const { id } = parse(idParam, req.params, 'path');
      const current = await find(id);
      assertWritable(current);
      const next = rotatedSpKey(current.config);
      const updated = await write(req, (s) => registry.update(s, id, next));
      deps.forget(id);
      return present(updated);
    });

    app.post('/sso/connections/:id/test', { config: change }, async (req) => {
      const { id } = parse(idParam, req.params, 'path');
      const c = await find(id);
      const checks = await deps.test(c);
      const status = checks.some((x) => x.status === 'error')
        ? 'error'
        : checks.some((x) => x.status === 'warning')
          ? 'warning'
          : 'ok';
      return { connection: id, status, checks };
    });
  };
}
