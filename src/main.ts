#!/usr/bin/env node
import { existsSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type BootstrapCredentials, bootstrapAdmin } from './access/bootstrap.js';
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config/load.js';
import { SecretBoxError } from './config/secret-box.js';
import { resolveSecret } from './config/secret-source.js';
import { connect } from './db/connect.js';
import { migrateToLatest } from './db/migrate.js';
import { ConnectionSecretsError } from './provisioning/connections.js';

const USAGE = `Usage: gatehouse <command> [options]

Commands:
  start                 start the server (default)
  migrate               apply database migrations and exit
  check-config [FILE]   validate a config file (default: ./gatehouse.yaml) and exit

Options:
  --config FILE         config file (default: ./gatehouse.yaml if present)
  --port N              port to listen on (default: $PORT or 4000)
  -h, --help            show this help
`;

/** Where `start` and `check-config` look for a config file when none is named. */
const DEFAULT_CONFIG = 'gatehouse.yaml';

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

function parseCli() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        port: { type: 'string', short: 'p' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    return fail(`${(e as Error).message}\n\n${USAGE}`);
  }
}

function load(file: string | undefined, port: string | undefined) {
  let cliPort: number | undefined;
  if (port !== undefined) {
    cliPort = Number(port);
    // Digits only: Number() alone would take "" (as 0), "0x1f90" and "1e3".
    if (!/^[0-9]{1,5}$/.test(port) || cliPort > 65535) {
      fail(`--port: "${port}" is not a port number`);
    }
  }
  try {
    return loadConfig({ file, env: process.env, cli: { port: cliPort } });
  } catch (e) {
    if (e instanceof ConfigError) fail(e.message);
    throw e;
  }
}

/** Start-up refusals with a sentence for the operator, printed without a stack trace. */
function startupRefusal(e: unknown): string | null {
  if (e instanceof ConnectionSecretsError || e instanceof SecretBoxError) return e.message;
  return null;
}

async function start(file: string | undefined, port: string | undefined): Promise<void> {
  const loaded = load(file, port);
  const { warnings, notes } = loaded;
  let secret: ReturnType<typeof resolveSecret>;
  try {
    secret = resolveSecret(loaded.config);
  } catch (e) {
    fail(`gatehouse: not starting: ${startupRefusal(e) ?? String(e)}`);
  }
  const config = { ...loaded.config, secret: secret.secret ?? undefined };
  const db = await connect(config.databaseUrl);
  await migrateToLatest(db);
  let built: Awaited<ReturnType<typeof buildApp>>;
  try {
    built = await buildApp({ config, db });
  } catch (e) {
    const refusal = startupRefusal(e);
    if (!refusal) throw e;
    await db.close();
    // A secret generated just now opens nothing already stored: do not leave it behind.
    if (secret.createdFile) rmSync(secret.createdFile, { force: true });
    fail(`gatehouse: not starting: ${refusal}`);
  }
  const { app, services } = built;
  for (const w of warnings) app.log.warn(`config: ${w}`);
  for (const n of notes) app.log.info(`config: ${n}`);
  if (secret.note) app.log[secret.note.level](secret.note.message);
  app.log.info({ db: db.describe, config: config.file ?? null }, 'gatehouse starting');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down: no new connections, finishing in-flight requests');
    const force = setTimeout(() => {
      app.log.error('shutdown took longer than 25s; exiting');
      process.exit(1);
    }, 25_000);
    force.unref();
    try {
      await app.close(); // waits for in-flight requests and runs onClose hooks (pending writes)
      await db.close();
      app.log.info('shutdown complete');
      // Let the event loop drain so buffered log lines reach stdout; exit anyway if something
      // still holds the loop open.
      process.exitCode = 0;
      setTimeout(() => process.exit(0), 2_000).unref();
    } catch (err) {
      app.log.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  try {
    await app.listen({ port: config.port, host: '0.0.0.0' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    await app.close();
    await db.close();
    fail(`cannot listen on port ${config.port}: it is in use by another program (EADDRINUSE)`);
  }
  // Only once Gatehouse is serving: a start that fails to listen (port busy) must not use up
  // the one-time credentials, so the bootstrap (and its flag) happens after listen succeeded.
  const creds = await bootstrapAdmin(services);
  if (creds) printBootstrapBanner(creds);
}

function printBootstrapBanner(creds: BootstrapCredentials): void {
  // Printed once to the console, deliberately not to the structured log.
  process.stdout.write(
    [
      '',
      '================ Gatehouse bootstrap admin (shown once) ================',
      `No master key is configured, so an admin was created: user "${creds.userName}"`,
      `Password: ${creds.password}   (POST /auth/login, the break-glass login)`,
      `API key:  ${creds.key}`,
      'Store them now; only their hashes are kept. Send the key as "Authorization: Bearer <key>".',
      '=========================================================================',
      '',
    ].join('\n'),
  );
}

async function main(): Promise<void> {
  const { values, positionals } = parseCli();
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const [command = 'start', arg] = positionals;
  switch (command) {
    case 'start':
      return start(values.config, values.port);
    case 'migrate': {
      const { config } = load(values.config, values.port);
      const db = await connect(config.databaseUrl);
      const applied = await migrateToLatest(db);
      await db.close();
      process.stdout.write(
        applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n',
      );
      return;
    }
    case 'check-config': {
      const file = arg ?? values.config ?? (existsSync(DEFAULT_CONFIG) ? DEFAULT_CONFIG : null);
      if (!file) {
        fail(
          `check-config: no FILE given and no ./${DEFAULT_CONFIG} here: gatehouse check-config FILE`,
        );
      }
      const { warnings } = load(file, undefined);
      for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
      process.stdout.write(`${file}: OK\n`);
      return;
    }
    default:
      fail(`unknown command "${command}"\n\n${USAGE}`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `gatehouse: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
