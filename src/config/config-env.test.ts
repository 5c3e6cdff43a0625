import { afterAll, describe, expect, it } from 'vitest';
import { load, problems, removeYamlFiles } from '../../test/support/config.js';
import { type EnvRefProblem, resolveEnvRefs } from './env-refs.js';

afterAll(removeYamlFiles);

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
      router_settings: { routing_strategy: 'simple-shuffle', enable_pre_call_checks: true },
      litellm_settings: {
        drop_params: true,
        default_team_params: { max_budget: 5, team_alias: 'x' },
      },
      general_settings: { alerting: ['slack'], master_key: 'sk-real-key' },
    });
    expect(warnings).toEqual([
      'litellm_settings.drop_params: not used by Gatehouse; ignored',
      'router_settings.enable_pre_call_checks: not used by Gatehouse; ignored',
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

describe('GATEHOUSE_TRUST_PROXY', () => {
  it.each([
    [undefined, false],
    ['false', false],
    ['true', true],
    ['2', 2],
    ['10.0.0.0/8, 192.168.1.4', ['10.0.0.0/8', '192.168.1.4']],
  ])('%j means %j', (value, expected) => {
    expect(
      load({}, value === undefined ? {} : { GATEHOUSE_TRUST_PROXY: value }).config.trustProxy,
    ).toEqual(expected);
  });

  it('rejects anything else with the variable named', () => {
    expect(problems(() => load({}, { GATEHOUSE_TRUST_PROXY: 'yes please' }))).toEqual([
      {
        path: 'env GATEHOUSE_TRUST_PROXY',
        message: 'must be true, false, a hop count, or a comma-separated list of addresses/CIDRs',
      },
    ]);
  });
});
