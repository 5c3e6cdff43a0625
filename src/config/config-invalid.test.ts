import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  configError,
  load,
  problems,
  ROLE_LIST,
  removeYamlFiles,
  writeYaml,
  yamlDir,
} from '../../test/support/config.js';
import { type ConfigError, loadConfig, parseYaml } from './load.js';

afterAll(removeYamlFiles);

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
      'is not a pattern RE2 accepts (missing closing ): `team-(`); RE2 has no backreferences or lookaround',
    ],
    [
      'a group_regex with a backreference (RE2 has none)',
      {
        role_mapping: {
          rules: [
            { group: 'x', role: 'internal_user' },
            { group_regex: '^(a)\\1$', role: 'internal_user' },
          ],
        },
      },
      'role_mapping.rules[1].group_regex',
      'is not a pattern RE2 accepts (invalid escape sequence: `\\1`); RE2 has no backreferences or lookaround',
    ],
    [
      'a group_regex with lookahead (RE2 has none)',
      { role_mapping: { rules: [{ group_regex: '^(?!eng-)', role: 'internal_user' }] } },
      'role_mapping.rules[0].group_regex',
      'is not a pattern RE2 accepts (invalid or unsupported Perl syntax: `(?!`); RE2 has no backreferences or lookaround',
    ],
    [
      'a group_sync.include pattern with lookbehind (RE2 has none)',
      { group_sync: { include: ['^ml-', '(?<=eng-)platform'] } },
      'group_sync.include[1]',
      'is not a pattern RE2 accepts (invalid named capture: `(?<=eng-)platform`); RE2 has no backreferences or lookaround',
    ],
    [
      'a group_regex too costly to match quickly',
      { role_mapping: { rules: [{ group_regex: '.{600}x.{600}', role: 'internal_user' }] } },
      'role_mapping.rules[0].group_regex',
      'is too complex to match quickly (RE2 program size 1203, at most 1000); simplify it or split it into several rules',
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
    const err = configError(() => loadConfig({ file: 'nope.yaml', env: {}, cwd: yamlDir() }));
    expect(err.source).toBe(join(yamlDir(), 'nope.yaml'));
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
