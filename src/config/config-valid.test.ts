import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { load, removeYamlFiles, writeYaml, yamlDir } from '../../test/support/config.js';
import { BUILTIN_MODELS, loadConfig } from './load.js';
import type { GatehouseConfig } from './types.js';

afterAll(removeYamlFiles);

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
    const { config, warnings } = loadConfig({ file, env: FULL_ENV, cwd: yamlDir() });
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
            enabled: true,
            token_auth: 'client_secret_basic',
            clock_tolerance: 120,
          },
          {
            id: 'entra',
            type: 'saml',
            idp_metadata_url:
              'https://login.microsoftonline.com/tid-1/federationmetadata/2007-06/federationmetadata.xml',
            attributes: {
              email: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress',
              groups: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups',
            },
            want_assertions_signed: true,
            want_response_signed: false,
            allow_idp_initiated: false,
            sign_authn_requests: false,
            clock_tolerance: 120,
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
        fromEnvironment: [],
        litellmRoutes: null,
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
    const cwd = mkdtempSync(join(yamlDir(), 'cwd-'));
    writeFileSync(join(cwd, 'gatehouse.yaml'), 'general_settings:\n  master_key: sk-in-cwd\n');
    const { config } = loadConfig({ env: {}, cwd });
    expect(config.file).toBe(join(cwd, 'gatehouse.yaml'));
    expect(config.masterKey).toBe('sk-in-cwd');
    const empty = mkdtempSync(join(yamlDir(), 'empty-'));
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
