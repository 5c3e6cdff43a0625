import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSpKeyPair, type SpKeyPair } from '../../../src/sso/saml/keys.js';
import { type SpRegistration, writeIdpConfig } from './config.js';
import { entityIdOf, type IdpFlavor, type IdpUser, usersOf } from './users.js';

/** Debian's SimpleSAMLphp: the code lives here, the configuration is ours per run. */
export const SIMPLESAMLPHP_ROOT = '/usr/share/simplesamlphp';

/** Why SimpleSAMLphp cannot run on this machine, or null when it can. */
export function samlIdpUnavailable(): string | null {
  const php = spawnSync(
    'php',
    ['-r', 'echo extension_loaded("dom") && extension_loaded("openssl") ? "ok" : "no";'],
    {
      encoding: 'utf8',
    },
  );
  if (php.error || php.status !== 0)
    return 'php is not installed (apt-get install php-cli php-xml php-mbstring php-curl)';
  if (php.stdout.trim() !== 'ok')
    return 'php lacks the dom or openssl extension (apt-get install php-xml)';
  if (!existsSync(join(SIMPLESAMLPHP_ROOT, 'www', '_include.php')))
    return `SimpleSAMLphp is not installed at ${SIMPLESAMLPHP_ROOT} (apt-get install simplesamlphp)`;
  return null;
}

export interface SamlIdpOptions {
  flavor: IdpFlavor;
  sps: SpRegistration[];
  /** Override the entity id (a second IdP of the same shape, for issuer mix-up tests). */
  entityId?: string;
}

export interface SamlIdp {
  flavor: IdpFlavor;
  baseUrl: string;
  entityId: string;
  /** The IdP's signing key pair, generated for this run. */
  key: SpKeyPair;
  users: Record<string, IdpUser>;
  ssoUrl: string;
  sloUrl: string;
  metadataUrl: string;
  /** The IdP's metadata XML as SimpleSAMLphp publishes it. */
  metadata(): Promise<string>;
  /** The URL that starts an IdP-initiated login to the SP (SimpleSAMLphp's `spentityid`). */
  idpInitiatedUrl(spEntityId: string, relayState?: string): string;
  /** SimpleSAMLphp's own log, for a failing test's message. */
  log(): string;
  /**
   * Adds a person or changes one (their groups, say), as an IdP admin would: SimpleSAMLphp reads
   * its config on every request, so the next login sees it.
   */
  setUser(key: string, user: IdpUser): void;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitReady(url: string, child: ChildProcess, output: () => string): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) return false;
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status === 200) return true;
      throw new Error(`SimpleSAMLphp answered ${res.status} at ${url}: ${output()}`);
    } catch (e) {
      if (e instanceof Error && e.message.startsWith('SimpleSAMLphp answered')) throw e;
      // Not listening yet: the built-in server takes a moment to bind.
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`SimpleSAMLphp did not come up at ${url}: ${output()}`);
}

/**
 * Starts SimpleSAMLphp on 127.0.0.1 with `php -S`, its own config directory and a signing key
 * made for this run. The port is chosen at run time; a clash with another engineer's server
 * (the port taken between choosing and binding) is retried with a new one.
 */
export async function startSamlIdp(opts: SamlIdpOptions): Promise<SamlIdp> {
  const dir = mkdtempSync(join(tmpdir(), `gatehouse-ssp-${opts.flavor}-`));
  const entityId = opts.entityId ?? entityIdOf(opts.flavor);
  const key = generateSpKeyPair({ commonName: `SimpleSAMLphp test IdP (${opts.flavor})` });
  const users: Record<string, IdpUser> = { ...usersOf(opts.flavor) };
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const input = {
      dir,
      baseUrl,
      entityId,
      idpKey: key,
      users,
      sps: opts.sps,
      attributeNameFormat: opts.flavor === 'entra' ? ('uri' as const) : ('basic' as const),
    };
    const configDir = writeIdpConfig(input);
    // OPcache is on for `php -S` and rechecks files every 2 s: setUser must be seen at once.
    const args = ['-d', 'opcache.enable=0', '-S', `127.0.0.1:${port}`];
    const child = spawn('php', [...args, '-t', join(SIMPLESAMLPHP_ROOT, 'www')], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', SIMPLESAMLPHP_CONFIG_DIR: configDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    const metadataUrl = `${baseUrl}/saml2/idp/metadata.php`;
    if (!(await waitReady(metadataUrl, child, () => out))) {
      if (/address already in use/i.test(out)) continue;
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`php -S exited: ${out}`);
    }
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    return {
      flavor: opts.flavor,
      baseUrl,
      entityId,
      key,
      users,
      ssoUrl: `${baseUrl}/saml2/idp/SSOService.php`,
      sloUrl: `${baseUrl}/saml2/idp/SingleLogoutService.php`,
      metadataUrl,
      async metadata() {
        const res = await fetch(metadataUrl);
        return res.text();
      },
      idpInitiatedUrl(spEntityId, relayState) {
        const u = new URL(`${baseUrl}/saml2/idp/SSOService.php`);
        u.searchParams.set('spentityid', spEntityId);
        if (relayState !== undefined) u.searchParams.set('RelayState', relayState);
        return u.toString();
      },
      log() {
        const file = join(dir, 'log', 'simplesamlphp.log');
        return existsSync(file) ? readFileSync(file, 'utf8') : '';
      },
      setUser(k, user) {
        users[k] = user;
        writeIdpConfig(input);
      },
      async stop() {
        if (child.exitCode === null) {
          child.kill('SIGTERM');
          await exited;
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error('no free port for SimpleSAMLphp after 5 attempts');
}
