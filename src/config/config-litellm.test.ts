import { describe, expect, it } from 'vitest';
import { load } from '../../test/support/config.js';

const TID = '9122040d-6c67-4c5b-b112-36a304b66dad';
const MICROSOFT = {
  MICROSOFT_CLIENT_ID: 'app-id',
  MICROSOFT_CLIENT_SECRET: 'app-secret',
  MICROSOFT_TENANT: TID,
};

describe("config loading takes LiteLLM's SSO environment", () => {
  it('adds the connection after the file ones, answers LiteLLM’s URLs with it, and explains itself', () => {
    const { config, notes, warnings } = load(
      {
        sso: {
          connections: [
            { id: 'okta', type: 'oidc', issuer: 'https://acme.okta.com', client_id: 'c' },
          ],
        },
      },
      { ...MICROSOFT, PROXY_BASE_URL: 'https://llm.acme.com/' },
    );
    expect(warnings).toEqual([]);
    expect(config.sso.connections.map((c) => c.id)).toEqual(['okta', 'microsoft']);
    expect(config.sso.fromEnvironment).toEqual(['microsoft']);
    expect(config.sso.litellmRoutes?.connection).toBe('microsoft');
    expect(config.publicUrl).toBe('https://llm.acme.com');
    expect(config.publicUrlConfigured).toBe(true);
    expect(notes.some((n) => n.startsWith('MICROSOFT_TENANT:'))).toBe(true);
    expect(notes.some((n) => n.includes('https://llm.acme.com/sso/callback'))).toBe(true);
  });

  it('GATEHOUSE_PUBLIC_URL wins over PROXY_BASE_URL; without either the URL is not configured', () => {
    const both = load(
      {},
      { PROXY_BASE_URL: 'https://a.example', GATEHOUSE_PUBLIC_URL: 'https://b.example' },
    );
    expect(both.config.publicUrl).toBe('https://b.example');
    expect(both.config.publicUrlConfigured).toBe(true);
    const none = load({});
    expect(none.config.publicUrlConfigured).toBe(false);
    expect(none.config.sso).toEqual({ connections: [], fromEnvironment: [], litellmRoutes: null });
  });

  it('a file connection with the same id wins, with a warning', () => {
    const { config, warnings } = load(
      {
        sso: {
          connections: [
            {
              id: 'microsoft',
              type: 'oidc',
              issuer: `https://login.microsoftonline.com/${TID}/v2.0`,
              client_id: 'from-file',
            },
          ],
        },
      },
      MICROSOFT,
    );
    expect(config.sso.connections).toHaveLength(1);
    expect(config.sso.connections[0]?.type === 'oidc' && config.sso.connections[0].client_id).toBe(
      'from-file',
    );
    expect(config.sso.fromEnvironment).toEqual([]);
    expect(warnings).toEqual([
      'sso.connections has a connection "microsoft": the one LiteLLM\'s environment variables describe is not created',
    ]);
  });

  it('variables that cannot be used are warnings, and no connection is made from them', () => {
    const { config, warnings } = load({}, { MICROSOFT_CLIENT_ID: 'app-id' });
    expect(config.sso.connections).toEqual([]);
    expect(warnings).toEqual([expect.stringContaining('MICROSOFT_TENANT is not set')]);
  });
});
