import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { certificateBody, type SpKeyPair } from '../../../src/sso/saml/keys.js';
import { type PhpValue, php, phpFile } from './php.js';
import type { IdpUser } from './users.js';

const PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';
const POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';

/** Where the IdP puts its signatures, as Okta's and Entra's signing options say it. */
export type SigningMode = 'response-and-assertion' | 'assertion-only' | 'response-only';

/** One service provider the IdP knows (an Okta app integration, an Entra enterprise app). */
export interface SpRegistration {
  entityId: string;
  acsUrl: string;
  sloUrl?: string;
  signing: SigningMode;
  /** Encrypt the assertion to this SP certificate (PEM). */
  encryptTo?: string;
  /** Require AuthnRequests and logout messages signed by this SP certificate (PEM). */
  requireSignedRequests?: string;
  /** Sign with RSA-SHA1 instead of RSA-SHA256 (Entra still offers it). */
  sha1?: boolean;
}

export interface IdpConfigInput {
  dir: string;
  baseUrl: string;
  entityId: string;
  idpKey: SpKeyPair;
  users: Record<string, IdpUser>;
  sps: SpRegistration[];
  /** `uri` for Entra's claim URIs, `basic` for Okta's plain names. */
  attributeNameFormat: 'uri' | 'basic';
}

/** Internal attribute that carries the persistent NameID; removed before the assertion is built. */
const NAMEID_ATTRIBUTE = 'gatehouse-test:nameid';

/** Writes a complete SimpleSAMLphp config directory (config, auth source, metadata, keys). */
export function writeIdpConfig(input: IdpConfigInput): string {
  const configDir = join(input.dir, 'config');
  const metadataDir = join(configDir, 'metadata');
  for (const d of ['config', 'config/metadata', 'cert', 'data', 'log', 'tmp', 'sessions']) {
    mkdirSync(join(input.dir, d), { recursive: true });
  }
  writeFileSync(join(input.dir, 'cert', 'idp.key'), input.idpKey.privateKeyPem, { mode: 0o600 });
  writeFileSync(join(input.dir, 'cert', 'idp.crt'), input.idpKey.certificatePem);

  const config: PhpValue = {
    baseurlpath: `${input.baseUrl}/`,
    certdir: join(input.dir, 'cert'),
    loggingdir: join(input.dir, 'log'),
    datadir: join(input.dir, 'data'),
    tempdir: join(input.dir, 'tmp'),
    metadatadir: metadataDir,
    attributenamemapdir: '/usr/share/simplesamlphp/attributemap/',
    technicalcontact_name: 'Gatehouse tests',
    technicalcontact_email: 'tests@gatehouse.invalid',
    timezone: 'UTC',
    secretsalt: `salt-${input.idpKey.fingerprintSha256}`,
    'auth.adminpassword': `admin-${input.idpKey.fingerprintSha256}`,
    'admin.protectindexpage': false,
    'admin.protectmetadata': false,
    'admin.checkforupdates': false,
    'enable.saml20-idp': true,
    'enable.shib13-idp': false,
    'module.enable': { exampleauth: true, core: true, saml: true, admin: false },
    'store.type': 'phpsession',
    'session.phpsession.savepath': join(input.dir, 'sessions'),
    'session.cookie.secure': false,
    'session.cookie.samesite': null,
    'language.cookie.secure': false,
    'logging.handler': 'file',
    'logging.logfile': 'simplesamlphp.log',
    'logging.level': 5,
    showerrors: true,
    errorreporting: false,
    production: false,
    'metadata.sources': [{ type: 'flatfile' }],
  };
  writeFileSync(join(configDir, 'config.php'), phpFile('config', config));

  // exampleauth:UserPass checks the password for real: `user:password` => attributes.
  const users: Record<string, PhpValue> = { 0: 'exampleauth:UserPass' };
  for (const u of Object.values(input.users)) {
    users[`${u.username}:${u.password}`] = { ...u.attributes, [NAMEID_ATTRIBUTE]: [u.nameId] };
  }
  writeFileSync(join(configDir, 'authsources.php'), phpFile('config', { 'test-users': users }));

  const hosted: Record<string, PhpValue> = {
    [input.entityId]: {
      host: '__DEFAULT__',
      privatekey: 'idp.key',
      certificate: 'idp.crt',
      auth: 'test-users',
      'signature.algorithm': RSA_SHA256,
      'attributes.NameFormat':
        input.attributeNameFormat === 'uri'
          ? 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri'
          : 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic',
      NameIDFormat: PERSISTENT,
      authproc: {
        10: { class: 'saml:AttributeNameID', Format: PERSISTENT, attribute: NAMEID_ATTRIBUTE },
        20: { class: 'core:PHP', code: `unset($attributes['${NAMEID_ATTRIBUTE}']);` },
      },
    },
  };
  writeFileSync(join(metadataDir, 'saml20-idp-hosted.php'), metadataFile(hosted));

  const remote: Record<string, PhpValue> = {};
  for (const sp of input.sps) remote[sp.entityId] = spEntry(sp);
  writeFileSync(join(metadataDir, 'saml20-sp-remote.php'), metadataFile(remote));
  return configDir;
}

function spEntry(sp: SpRegistration): PhpValue {
  const keys: PhpValue[] = [];
  if (sp.encryptTo) {
    keys.push({
      encryption: true,
      signing: false,
      type: 'X509Certificate',
      X509Certificate: certificateBody(sp.encryptTo),
    });
  }
  if (sp.requireSignedRequests) {
    keys.push({
      encryption: false,
      signing: true,
      type: 'X509Certificate',
      X509Certificate: certificateBody(sp.requireSignedRequests),
    });
  }
  return {
    AssertionConsumerService: [{ Binding: POST, Location: sp.acsUrl }],
    ...(sp.sloUrl
      ? {
          SingleLogoutService: [{ Binding: REDIRECT, Location: sp.sloUrl }],
          // Sign LogoutResponses on the redirect binding, as Okta does.
          'sign.logout': true,
        }
      : {}),
    NameIDFormat: PERSISTENT,
    'saml20.sign.response': sp.signing !== 'assertion-only',
    'saml20.sign.assertion': sp.signing !== 'response-only',
    'assertion.encryption': Boolean(sp.encryptTo),
    'validate.authnrequest': Boolean(sp.requireSignedRequests),
    'validate.logout': Boolean(sp.requireSignedRequests),
    'signature.algorithm': sp.sha1 ? 'http://www.w3.org/2000/09/xmldsig#rsa-sha1' : RSA_SHA256,
    ...(keys.length ? { keys } : {}),
  };
}

// SimpleSAMLphp's flat-file metadata sets `$metadata[entityId] = [...]` per entity.
function metadataFile(entries: Record<string, PhpValue>): string {
  const body = Object.entries(entries)
    .map(([id, v]) => `$metadata[${php(id)}] = ${php(v)};\n`)
    .join('');
  return `<?php\n${body}`;
}
