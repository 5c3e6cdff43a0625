import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDuration, durationMs, isDuration, parseDuration } from './duration.js';
import { type EnvRefProblem, resolveEnvRefs } from './env-refs.js';
import {
  BUILTIN_MODELS,
  ConfigError,
  fromObject,
  type Loaded,
  type LoadOptions,
  loadConfig,
  parseYaml,
} from './load.js';
import type { GatehouseConfig } from './types.js';

const ROLE_LIST =
  'must be one of proxy_admin, org_admin, proxy_admin_viewer, internal_user, internal_user_viewer';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gh-config-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

let fileNo = 0;
function writeYaml(text: string): string {
  const path = join(dir, `config-${fileNo++}.yaml`);
  writeFileSync(path, text);
  return path;
}

/** Loads an object as if it were a config file; `env` is the whole environment. */
function load(
  raw: Record<string, unknown>,
  env: LoadOptions['env'] = {},
  cli?: LoadOptions['cli'],
): Loaded {
  return fromObject(raw, '(test)', undefined, { env, ...(cli ? { cli } : {}) }, '/srv/gh');
}

/** Runs `fn`, which must throw a ConfigError, and returns it. */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  return expect.fail('expected a ConfigError, but the configuration was accepted');
}

function problems(fn: () => unknown): { path: string; message: string }[] {
  return [...configError(fn).problems];
}

const FULL_YAML = `
model_list:
  - model_name: gpt-4o
    litellm_params:
      model: azure/gpt-4o-prod
      api_base: https://acme.openai.azure.com
      api_key: os.environ/AZURE_API_KEY
      api_version: "2024-06-01"
      rpm: 600
      tpm: 90000
  - model_name: claude
    litellm_params:
      model: anthropic/claude-3-5-sonnet
    model_info:
      mode: chat
litellm_settings:
  default_team_params:
    max_budget: 100
    budget_duration: 30d
    models: [gpt-4o]
    tpm_limit: 1000
    rpm_limit: 10
  default_internal_user_params:
    user_role: Internal_User
    max_budget: 10.5
    budget_duration: 1mo
    models: [gpt-4o, claude]
general_settings:
  master_key: os.environ/FILE_MASTER_KEY
  database_url: postgres://gh@db.internal:5432/gatehouse
sso:
  connections:
    - id: okta
      type: oidc
      issuer: https://acme.okta.com/oauth2/default
      client_id: 0oa123
      client_secret: os.environ/OKTA_CLIENT_SECRET
      scopes: [openid, profile, email, groups]
      claims: { email: email, groups: groups }
      email_domains: [acme.com]
    - id: entra
      type: saml
      idp_metadata_url: https://login.microsoftonline.com/tid-1/federationmetadata/2007-06/federationmetadata.xml
      attributes:
        email: http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress
        groups: http://schemas.microsoft.com/ws/2008/06/identity/claims/groups
      microsoft_graph:
        tenant_id: tid-1
        client_id: graph-app
        client_secret: os.environ/GRAPH_CLIENT_SECRET
        service_principal_id: sp-1
role_mapping:
  precedence: [proxy_admin, org_admin, proxy_admin_viewer, Internal_User, internal_user_viewer]
  default_role: INTERNAL_USER_VIEWER
  rules:
    - { group: litellm-owners, role: PROXY_ADMIN }
    - { claim: litellm_roles, equals: owner, role: proxy_admin }
    - { group_regex: "^team-(.+)$", team: platform, team_role: user }
group_sync:
  create_teams: true
  remove_memberships: false
`;

const FULL_ENV = {
  AZURE_API_KEY: 'azure-secret',
  FILE_MASTER_KEY: 'sk-from-file-via-env',
  OKTA_CLIENT_SECRET: 'okta-secret',
  GRAPH_CLIENT_SECRET: 'graph-secret',
};

describe('a valid full configuration', () => {
  it('parses to typed values with defaults filled and roles lower-cased', () => {
    const file = writeYaml(FULL_YAML);
    const { config, warnings } = loadConfig({ file, env: FULL_ENV, cwd: dir });
    expect(warnings).toEqual([]);
    // Key by key (each exact), so sections added later do not break this test.
    const expected: Partial<GatehouseConfig> = {
      file,
      port: 4000,
      publicUrl: 'http://localhost:4000',
      databaseUrl: 'postgres://gh@db.internal:5432/gatehouse',
      redisUrl: undefined,
      secret: undefined,
      logLevel: 'info',
      masterKey: 'sk-from-file-via-env',
      models: [
        {
          model_name: 'gpt-4o',
          litellm_params: {
            model: 'azure/gpt-4o-prod',
            api_base: 'https://acme.openai.azure.com',
            api_key: 'azure-secret',
            api_version: '2024-06-01',
            rpm: 600,
            tpm: 90000,
          },
        },
        {
          model_name: 'claude',
          litellm_params: { model: 'anthropic/claude-3-5-sonnet' },
          model_info: { mode: 'chat' },
        },
      ],
      defaultTeamParams: {
        max_budget: 100,
        budget_duration: '30d',
        models: ['gpt-4o'],
        tpm_limit: 1000,
        rpm_limit: 10,
      },
      defaultUserParams: {
        user_role: 'internal_user',
        max_budget: 10.5,
        budget_duration: '1mo',
        models: ['gpt-4o', 'claude'],
      },
      sso: {
        connections: [
          {
            id: 'okta',
            type: 'oidc',
            issuer: 'https://acme.okta.com/oauth2/default',
            client_id: '0oa123',
            client_secret: 'okta-secret',
            scopes: ['openid', 'profile', 'email', 'groups'],
            claims: { email: 'email', name: 'name', groups: 'groups', roles: 'roles' },
            email_domains: ['acme.com'],
            jit: true,
            link_existing_by_email: false,
            id_token_signed_response_alg: 'RS256',
          },
          {
            id: 'entra',
            type: 'saml',
            idp_metadata_url:
              'https://login.microsoftonline.com/tid-1/federationmetadata/2007-06/federationmetadata.xml',
            attributes: {
              email: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress',
              name: 'name',
              groups: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups',
              roles: 'roles',
            },
            microsoft_graph: {
              base_url: 'https://graph.microsoft.com/v1.0',
              authority_host: 'https://login.microsoftonline.com',
              tenant_id: 'tid-1',
              client_id: 'graph-app',
              client_secret: 'graph-secret',
              service_principal_id: 'sp-1',
            },
            email_domains: [],
            jit: true,
            link_existing_by_email: false,
          },
        ],
      },
      roleMapping: {
        precedence: [
          'proxy_admin',
          'org_admin',
          'proxy_admin_viewer',
          'internal_user',
          'internal_user_viewer',
        ],
        default_role: 'internal_user_viewer',
        rules: [
          { group: 'litellm-owners', role: 'proxy_admin' },
          { claim: 'litellm_roles', equals: 'owner', role: 'proxy_admin' },
          { group_regex: '^team-(.+)$', team: 'platform', team_role: 'member' },
        ],
        app_roles: true,
      },
      groupSync: { create_teams: true, remove_memberships: false, scope: 'all' },
    };
    for (const [key, value] of Object.entries(expected)) {
      expect({ [key]: config[key as keyof GatehouseConfig] }).toEqual({ [key]: value });
    }
    expect(Object.keys(expected)).toHaveLength(14);
  });

  it('fills the documented defaults for an empty file', () => {
    const { config, warnings } = load({});
    expect(warnings).toEqual([]);
    expect(config).toMatchObject({
      file: undefined,
      port: 4000,
      publicUrl: 'http://localhost:4000',
      databaseUrl: 'file:/srv/gh/data/gatehouse.db',
      masterKey: undefined,
      logLevel: 'info',
      defaultTeamParams: {},
      defaultUserParams: {},
      sso: { connections: [] },
      roleMapping: undefined,
      groupSync: undefined,
    });
    expect(config.models).toEqual(BUILTIN_MODELS);
    expect(config.models[0]?.litellm_params.model).toBe('fake/echo');
  });

  it('uses ./gatehouse.yaml from the working directory when no file is named', () => {
    const cwd = mkdtempSync(join(dir, 'cwd-'));
    writeFileSync(join(cwd, 'gatehouse.yaml'), 'general_settings:\n  master_key: sk-in-cwd\n');
    const { config } = loadConfig({ env: {}, cwd });
    expect(config.file).toBe(join(cwd, 'gatehouse.yaml'));
    expect(config.masterKey).toBe('sk-in-cwd');
    const empty = mkdtempSync(join(dir, 'empty-'));
    expect(loadConfig({ env: {}, cwd: empty }).config.file).toBeUndefined();
  });

  it('loads the LiteLLM default_team_params snippet exactly as LiteLLM documents it', () => {
    const file = writeYaml(
      [
        'litellm_settings:',
        '  default_team_params: # Default Params to apply when litellm auto creates a team from SSO IDP provider',
        '    max_budget: 100 # Optional[float], optional): $100 budget for the team',
        '    budget_duration: 30d # Optional[str], optional): 30 days budget_duration for the team',
        '    models: ["gpt-3.5-turbo"] # Optional[List[str]], optional): models to be used by the team',
        '',
      ].join('\n'),
    );
    const { config, warnings } = loadConfig({ file, env: {} });
    expect(warnings).toEqual([]);
    expect(config.defaultTeamParams).toEqual({
      max_budget: 100,
      budget_duration: '30d',
      models: ['gpt-3.5-turbo'],
    });
  });
});

describe('invalid configurations name the key path and the reason', () => {
  const oidc = { type: 'oidc', issuer: 'https://idp.example.com', client_id: 'c' };

  it.each<[string, Record<string, unknown>, string, string]>([
    [
      'a model without a provider',
      { model_list: [{ model_name: 'x', litellm_params: { model: 'gpt-4o' } }] },
      'model_list[0].litellm_params.model',
      'must be "provider/model", e.g. "openai/gpt-4o"',
    ],
    [
      'a negative max_budget',
      { litellm_settings: { default_team_params: { max_budget: -5 } } },
      'litellm_settings.default_team_params.max_budget',
      'Too small: expected number to be >=0',
    ],
    [
      'a budget_duration that is not a duration',
      { litellm_settings: { default_internal_user_params: { budget_duration: '30 days' } } },
      'litellm_settings.default_internal_user_params.budget_duration',
      'must be a duration like 30s, 15m, 24h, 30d, 1w or 1mo',
    ],
    [
      'an unknown default user role',
      { litellm_settings: { default_internal_user_params: { user_role: 'superuser' } } },
      'litellm_settings.default_internal_user_params.user_role',
      ROLE_LIST,
    ],
    [
      'an unknown role in a rule',
      {
        role_mapping: {
          rules: [
            { group: 'a', role: 'proxy_admin' },
            { group: 'b', role: 'admin' },
          ],
        },
      },
      'role_mapping.rules[1].role',
      ROLE_LIST,
    ],
    [
      'a group_regex that does not compile',
      { role_mapping: { rules: [{ group_regex: 'team-(', role: 'internal_user' }] } },
      'role_mapping.rules[0].group_regex',
      'is not a valid regular expression',
    ],
    [
      'a rule with two matchers',
      {
        role_mapping: {
          rules: [{ group: 'a', claim: 'department', equals: 'it', role: 'internal_user' }],
        },
      },
      'role_mapping.rules[0]',
      'needs exactly one of group, group_regex, claim',
    ],
    [
      'a rule with no matcher',
      { role_mapping: { rules: [{ role: 'internal_user' }] } },
      'role_mapping.rules[0]',
      'needs exactly one of group, group_regex, claim',
    ],
    [
      'duplicate connection ids',
      {
        sso: {
          connections: [
            { id: 'okta', ...oidc },
            { id: 'entra', ...oidc },
            { id: 'okta', ...oidc },
          ],
        },
      },
      'sso.connections[2].id',
      'duplicate connection id "okta"',
    ],
    [
      'a SAML connection without metadata',
      { sso: { connections: [{ id: 'entra', type: 'saml', idp_sso_url: 'https://x.test/sso' }] } },
      'sso.connections[0]',
      'needs idp_metadata_url, idp_metadata_xml, or all of idp_sso_url + idp_entity_id + idp_certificates',
    ],
    [
      'a precedence listing a role twice (in any case)',
      { role_mapping: { precedence: ['proxy_admin', 'internal_user', 'Proxy_Admin'] } },
      'role_mapping.precedence[2]',
      'proxy_admin is listed twice',
    ],
    [
      'an unknown connection type',
      { sso: { connections: [{ id: 'ldap', type: 'ldap' }] } },
      'sso.connections[0].type',
      "Invalid discriminator value. Expected 'oidc' | 'saml'",
    ],
  ])('%s', (_what, raw, path, message) => {
    const err = configError(() => load(raw));
    expect(err.problems).toEqual([{ path, message }]);
    expect(err.source).toBe('(test)');
    expect(err.message).toBe(`Invalid configuration in (test):\n  - ${path}: ${message}`);
  });

  it('reports a YAML syntax error with its line', () => {
    const file = writeYaml('model_list:\n  - model_name: a\nlitellm_settings: [\nfoo: 1\n');
    const err = configError(() => loadConfig({ file, env: {} }));
    expect(err.source).toBe(file);
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]?.path).toBe('line 4');
    expect(err.problems[0]?.message).toMatch(/^Flow sequence .* at line 4, column 1/);
  });

  it('rejects duplicate keys, which YAML would otherwise silently overwrite', () => {
    const err = configError(() =>
      parseYaml('general_settings:\n  master_key: a\n  master_key: b\n', 'dup.yaml'),
    );
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]?.path).toBe('line 3');
    expect(err.problems[0]?.message).toMatch(/^Map keys must be unique/);
  });

  it.each([
    ['a scalar', 'just a string\n'],
    ['a list', '- model_list\n- sso\n'],
  ])('rejects a document that is %s, not a mapping', (_what, text) => {
    const err = configError(() => loadConfig({ file: writeYaml(text), env: {} }));
    expect(err.problems).toEqual([{ path: '', message: 'the file must be a YAML mapping' }]);
    expect(err.message).toContain('(root): the file must be a YAML mapping');
  });

  it('treats an empty file as an empty configuration', () => {
    expect(parseYaml('', 'empty.yaml')).toEqual({});
    expect(parseYaml('# only a comment\n', 'empty.yaml')).toEqual({});
  });

  it('reports a missing file by its absolute path', () => {
    const err = configError(() => loadConfig({ file: 'nope.yaml', env: {}, cwd: dir }));
    expect(err.source).toBe(join(dir, 'nope.yaml'));
    expect(err.problems).toEqual([{ path: '', message: 'file not found' }]);
  });

  it('reports every problem at once, across sections and the environment', () => {
    const found = problems(() =>
      load(
        {
          model_list: [{ model_name: 'x', litellm_params: { model: 'nope' } }],
          litellm_settings: { default_team_params: { max_budget: -1, budget_duration: 'soon' } },
          sso: {
            connections: [
              { id: 'okta', ...oidc },
              { id: 'okta', ...oidc },
            ],
          },
          role_mapping: {
            precedence: ['org_admin', 'org_admin'],
            rules: [{ group: 'g', role: 'root' }],
          },
        },
        { PORT: 'eighty', GATEHOUSE_PUBLIC_URL: 'gw.acme.com' },
      ),
    );
    expect(found).toEqual(
      expect.arrayContaining([
        { path: 'model_list[0].litellm_params.model', message: expect.any(String) },
        { path: 'litellm_settings.default_team_params.max_budget', message: expect.any(String) },
        {
          path: 'litellm_settings.default_team_params.budget_duration',
          message: expect.any(String),
        },
        { path: 'sso.connections[1].id', message: 'duplicate connection id "okta"' },
        { path: 'role_mapping.precedence[1]', message: 'org_admin is listed twice' },
        { path: 'role_mapping.rules[0].role', message: ROLE_LIST },
        { path: 'env PORT', message: '"eighty" is not a port number (0-65535)' },
        { path: 'env GATEHOUSE_PUBLIC_URL', message: 'must be an http(s) URL' },
      ]),
    );
    expect(found).toHaveLength(8);
  });

  it('still checks duplicate connection ids when another connection is incomplete', () => {
    const found = problems(() =>
      load({
        sso: {
          connections: [
            { id: 'okta', ...oidc },
            { id: 'okta', ...oidc },
            { id: 'entra', type: 'oidc', issuer: 'https://idp.example.com' },
          ],
        },
      }),
    );
    expect(found).toEqual([
      {
        path: 'sso.connections[2].client_id',
        message: 'Invalid input: expected string, received undefined',
      },
      { path: 'sso.connections[1].id', message: 'duplicate connection id "okta"' },
    ]);
  });
});

describe('environment references and environment variables', () => {
  it('resolves os.environ/NAME anywhere: nested objects, arrays, arrays of objects', () => {
    const found: EnvRefProblem[] = [];
    const out = resolveEnvRefs(
      {
        a: 'os.environ/A',
        nested: { deeper: { b: 'os.environ/B' } },
        list: ['plain', 'os.environ/A', { c: 'os.environ/C' }],
        untouched: ['x/os.environ/A', 42, true, null],
      },
      { A: 'alpha', B: 'beta', C: 'gamma' },
      found,
    );
    expect(found).toEqual([]);
    expect(out).toEqual({
      a: 'alpha',
      nested: { deeper: { b: 'beta' } },
      list: ['plain', 'alpha', { c: 'gamma' }],
      untouched: ['x/os.environ/A', 42, true, null],
    });
  });

  it('reports each missing or empty variable at its own path', () => {
    const found: EnvRefProblem[] = [];
    const out = resolveEnvRefs(
      { list: ['os.environ/SET', { deep: 'os.environ/MISSING' }], top: 'os.environ/EMPTY' },
      { SET: 'yes', EMPTY: '' },
      found,
    );
    expect(out).toEqual({ list: ['yes', { deep: undefined }], top: undefined });
    expect(found).toEqual([
      { path: 'list[1].deep', message: 'environment variable MISSING is not set' },
      { path: 'top', message: 'environment variable EMPTY is not set' },
    ]);
  });

  it('resolves references in the whole config file', () => {
    const { config } = load(
      {
        model_list: [
          {
            model_name: 'm',
            litellm_params: { model: 'os.environ/MODEL', api_key: 'os.environ/K' },
          },
        ],
        litellm_settings: { default_team_params: { models: ['os.environ/MODEL'] } },
      },
      { MODEL: 'openai/gpt-4o', K: 'sk-upstream' },
    );
    expect(config.models).toEqual([
      { model_name: 'm', litellm_params: { model: 'openai/gpt-4o', api_key: 'sk-upstream' } },
    ]);
    expect(config.defaultTeamParams.models).toEqual(['openai/gpt-4o']);
  });

  it('reports a missing variable once, at the key that needs it', () => {
    expect(
      problems(() =>
        load({
          sso: {
            connections: [
              {
                id: 'entra',
                type: 'saml',
                idp_metadata_url: 'https://idp.example.com/metadata',
                microsoft_graph: {
                  tenant_id: 't',
                  client_id: 'c',
                  client_secret: 'os.environ/GRAPH_SECRET',
                },
              },
            ],
          },
        }),
      ),
    ).toEqual([
      {
        path: 'sso.connections[0].microsoft_graph.client_secret',
        message: 'environment variable GRAPH_SECRET is not set',
      },
    ]);
    expect(
      problems(() =>
        load({ model_list: [{ model_name: 'm', litellm_params: { model: 'os.environ/M' } }] }),
      ),
    ).toEqual([
      {
        path: 'model_list[0].litellm_params.model',
        message: 'environment variable M is not set',
      },
    ]);
  });

  it('takes the master key from GATEHOUSE_MASTER_KEY, then LITELLM_MASTER_KEY, then the file', () => {
    const file = { general_settings: { master_key: 'sk-file' } };
    expect(
      load(file, { GATEHOUSE_MASTER_KEY: 'sk-gh', LITELLM_MASTER_KEY: 'sk-litellm' }).config
        .masterKey,
    ).toBe('sk-gh');
    expect(load(file, { LITELLM_MASTER_KEY: 'sk-litellm' }).config.masterKey).toBe('sk-litellm');
    expect(load(file, {}).config.masterKey).toBe('sk-file');
    expect(load(file, { GATEHOUSE_MASTER_KEY: '' }).config.masterKey).toBe('sk-file');
    expect(load({}, {}).config.masterKey).toBeUndefined();
  });

  it('prefers DATABASE_URL over general_settings.database_url', () => {
    const file = { general_settings: { database_url: 'postgres://file-db/gh' } };
    expect(load(file, { DATABASE_URL: 'file:/var/lib/gh.db' }).config.databaseUrl).toBe(
      'file:/var/lib/gh.db',
    );
    expect(load(file, {}).config.databaseUrl).toBe('postgres://file-db/gh');
  });

  it('takes the port from the command line, then PORT, then 4000', () => {
    expect(load({}, { PORT: '8080' }, { port: 9090 }).config.port).toBe(9090);
    expect(load({}, { PORT: '8080' }).config.port).toBe(8080);
    expect(load({}, {}).config.port).toBe(4000);
    expect(load({}, { PORT: '8080' }).config.publicUrl).toBe('http://localhost:8080');
  });

  it.each(['http', '-1', '65536', '12.5', '0x1f90', '1e3', ' ', '80 80'])(
    'rejects PORT=%j',
    (port) => {
      expect(problems(() => load({}, { PORT: port }))).toEqual([
        { path: 'env PORT', message: `"${port}" is not a port number (0-65535)` },
      ]);
    },
  );

  it('treats an empty GATEHOUSE_PUBLIC_URL as unset, like every other variable', () => {
    expect(load({}, { GATEHOUSE_PUBLIC_URL: '' }).config.publicUrl).toBe('http://localhost:4000');
  });

  it.each(['gw.acme.com', 'ftp://gw.acme.com', 'http://'])(
    'rejects GATEHOUSE_PUBLIC_URL=%j',
    (url) => {
      expect(problems(() => load({}, { GATEHOUSE_PUBLIC_URL: url }))).toEqual([
        { path: 'env GATEHOUSE_PUBLIC_URL', message: 'must be an http(s) URL' },
      ]);
    },
  );

  it('trims trailing slashes from the public URL', () => {
    expect(load({}, { GATEHOUSE_PUBLIC_URL: 'https://gw.acme.com/' }).config.publicUrl).toBe(
      'https://gw.acme.com',
    );
    expect(
      load({}, { GATEHOUSE_PUBLIC_URL: 'https://acme.com/gatehouse//' }).config.publicUrl,
    ).toBe('https://acme.com/gatehouse');
    expect(load({}, { GATEHOUSE_PUBLIC_URL: 'http://10.0.0.5:4000' }).config.publicUrl).toBe(
      'http://10.0.0.5:4000',
    );
  });

  it('reads REDIS_URL, GATEHOUSE_SECRET and the log level', () => {
    const { config } = load(
      {},
      { REDIS_URL: 'redis://cache:6379', GATEHOUSE_SECRET: 's3cret', GATEHOUSE_LOG_LEVEL: 'warn' },
    );
    expect(config).toMatchObject({
      redisUrl: 'redis://cache:6379',
      secret: 's3cret',
      logLevel: 'warn',
    });
    expect(problems(() => load({}, { GATEHOUSE_LOG_LEVEL: 'loud' }))).toEqual([
      {
        path: 'env GATEHOUSE_LOG_LEVEL',
        message: 'must be one of fatal, error, warn, info, debug, trace, silent',
      },
    ]);
  });
});

describe('warnings', () => {
  it('names unknown keys at the top level and inside LiteLLM sections, without failing', () => {
    const { config, warnings } = load({
      router_settings: { routing_strategy: 'simple-shuffle' },
      litellm_settings: {
        drop_params: true,
        default_team_params: { max_budget: 5, team_alias: 'x' },
      },
      general_settings: { alerting: ['slack'], master_key: 'sk-real-key' },
    });
    expect(warnings).toEqual([
      'router_settings: not used by Gatehouse; ignored',
      'litellm_settings.drop_params: not used by Gatehouse; ignored',
      'general_settings.alerting: not used by Gatehouse; ignored',
      'litellm_settings.default_team_params.team_alias: not used by Gatehouse; ignored',
    ]);
    expect(config.defaultTeamParams.max_budget).toBe(5);
    expect(config.masterKey).toBe('sk-real-key');
  });

  it('warns about the well-known example master key sk-1234, from the file or the environment', () => {
    const expected = 'master key is the well-known example value "sk-1234"; change it';
    expect(load({ general_settings: { master_key: 'sk-1234' } }).warnings).toEqual([expected]);
    expect(load({}, { LITELLM_MASTER_KEY: 'sk-1234' }).warnings).toEqual([expected]);
    expect(load({}, { GATEHOUSE_MASTER_KEY: 'sk-12345' }).warnings).toEqual([]);
  });
});

describe('durations', () => {
  it.each<[string, number, string]>([
    ['30s', 30, 's'],
    ['15m', 15, 'm'],
    ['24h', 24, 'h'],
    ['30d', 30, 'd'],
    ['1w', 1, 'w'],
    ['1mo', 1, 'mo'],
    ['12mo', 12, 'mo'],
    ['999999s', 999999, 's'],
    [' 7d ', 7, 'd'],
  ])('parses %j', (text, amount, unit) => {
    expect(parseDuration(text)).toEqual({ amount, unit });
    expect(isDuration(text)).toBe(true);
  });

  it.each(['', '30', 'd', '0d', '-1d', '1.5h', '30 d', '30D', '1y', '1month', '01d', '1000000s'])(
    'rejects %j',
    (text) => {
      expect(parseDuration(text)).toBeNull();
      expect(isDuration(text)).toBe(false);
    },
  );

  it('gives fixed-length durations in milliseconds, but not months', () => {
    expect(durationMs('90s')).toBe(90_000);
    expect(durationMs('10m')).toBe(600_000);
    expect(durationMs('2h')).toBe(7_200_000);
    expect(durationMs('1d')).toBe(86_400_000);
    expect(durationMs('2w')).toBe(1_209_600_000);
    expect(durationMs('1mo')).toBeNull();
    expect(durationMs('soon')).toBeNull();
  });

  const at = (iso: string) => new Date(iso);
  const add = (iso: string, text: string) => {
    const d = parseDuration(text);
    if (!d) return expect.fail(`${text} did not parse`);
    return addDuration(at(iso), d).toISOString();
  };

  it.each<[string, string, string]>([
    ['2024-01-31T10:20:30.000Z', '1mo', '2024-02-29T10:20:30.000Z'],
    ['2023-01-31T10:20:30.000Z', '1mo', '2023-02-28T10:20:30.000Z'],
    ['2024-01-31T00:00:00.000Z', '2mo', '2024-03-31T00:00:00.000Z'],
    ['2024-03-31T00:00:00.000Z', '1mo', '2024-04-30T00:00:00.000Z'],
    ['2024-01-15T12:00:00.000Z', '1mo', '2024-02-15T12:00:00.000Z'],
    ['2023-12-31T23:59:59.999Z', '2mo', '2024-02-29T23:59:59.999Z'],
    ['2024-11-30T00:00:00.000Z', '3mo', '2025-02-28T00:00:00.000Z'],
    ['2024-02-29T00:00:00.000Z', '12mo', '2025-02-28T00:00:00.000Z'],
    ['2024-02-29T00:00:00.000Z', '48mo', '2028-02-29T00:00:00.000Z'],
  ])('%s + %s = %s (calendar months, clamped to the month end)', (from, text, expected) => {
    expect(add(from, text)).toBe(expected);
  });

  it.each<[string, string, string]>([
    ['2024-01-31T10:00:00.000Z', '30s', '2024-01-31T10:00:30.000Z'],
    ['2024-01-31T10:00:00.000Z', '15m', '2024-01-31T10:15:00.000Z'],
    ['2024-01-31T10:00:00.000Z', '24h', '2024-02-01T10:00:00.000Z'],
    ['2024-02-01T00:00:00.000Z', '30d', '2024-03-02T00:00:00.000Z'],
    ['2024-12-30T00:00:00.000Z', '1w', '2025-01-06T00:00:00.000Z'],
  ])('%s + %s = %s (fixed length)', (from, text, expected) => {
    expect(add(from, text)).toBe(expected);
  });

  it('does not modify the start date', () => {
    const from = at('2024-01-31T00:00:00.000Z');
    addDuration(from, { amount: 1, unit: 'mo' });
    expect(from.toISOString()).toBe('2024-01-31T00:00:00.000Z');
  });
});

describe('empty sections', () => {
  it('treats a section with nothing under it as absent, as LiteLLM configs write them', async () => {
    const { parseYaml, fromObject } = await import('./load.js');
    const raw = parseYaml(
      'general_settings:\n  # master_key: os.environ/X\nlitellm_settings:\n  default_team_params:\nsso:\n',
      'x.yaml',
    );
    const { config } = fromObject(raw, 'x.yaml', undefined, { env: {} });
    expect(config.defaultTeamParams).toEqual({});
    expect(config.sso.connections).toEqual([]);
    expect(config.masterKey).toBeUndefined();
  });
});

describe('Microsoft Graph settings', () => {
  const graph = { tenant_id: 't', client_id: 'c', client_secret: 's' };
  const conn = (g: Record<string, unknown>) => ({
    sso: {
      connections: [
        {
          id: 'entra',
          type: 'oidc',
          issuer: 'https://login.microsoftonline.com/t/v2.0',
          client_id: 'x',
          microsoft_graph: { ...graph, ...g },
        },
      ],
    },
  });

  it('refuses a Graph or token host that is not https (loopback excepted)', async () => {
    const { fromObject, ConfigError } = await import('./load.js');
    const bad = () =>
      fromObject(conn({ base_url: 'http://graph.example.com/v1.0' }), 'x', undefined, { env: {} });
    expect(bad).toThrow(ConfigError);
    try {
      bad();
    } catch (e) {
      expect((e as InstanceType<typeof ConfigError>).problems).toEqual([
        {
          path: 'sso.connections[0].microsoft_graph.base_url',
          message: 'must be an https URL (http only for loopback)',
        },
      ]);
    }
    expect(() =>
      fromObject(conn({ base_url: 'http://127.0.0.1:9/v1.0' }), 'x', undefined, { env: {} }),
    ).not.toThrow();
  });

  it('needs service_principal_id when only groups assigned to the app may sync', async () => {
    const { fromObject, ConfigError } = await import('./load.js');
    const raw = { ...conn({}), group_sync: { scope: 'assigned_to_app' } };
    try {
      fromObject(raw, 'x', undefined, { env: {} });
      expect.fail('should have thrown');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as InstanceType<typeof ConfigError>).problems).toEqual([
        {
          path: 'sso.connections[0].microsoft_graph.service_principal_id',
          message: 'required when group_sync.scope is assigned_to_app',
        },
      ]);
    }
  });
});
