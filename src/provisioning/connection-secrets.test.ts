import { describe, expect, it } from 'vitest';
import { SecretBoxError, secretBox } from '../config/secret-box.js';
import {
  joinSecrets,
  openSecrets,
  redactSecrets,
  sealSecrets,
  splitSecrets,
} from './connection-secrets.js';

const oidc = {
  id: 'okta',
  type: 'oidc',
  issuer: 'https://acme.okta.com',
  client_id: '0oa1',
  client_secret: 'the-client-secret',
  microsoft_graph: { tenant_id: 't', client_id: 'g', client_secret: 'the-graph-secret' },
};

describe('connection secrets', () => {
  it('split takes every secret out of the settings, join puts them back', () => {
    const { settings, secrets } = splitSecrets('oidc', oidc);
    expect(JSON.stringify(settings)).not.toContain('the-');
    expect(secrets).toEqual({
      client_secret: 'the-client-secret',
      'microsoft_graph.client_secret': 'the-graph-secret',
    });
    expect(joinSecrets(settings, secrets)).toEqual(oidc);
    // The input is not changed.
    expect(oidc.client_secret).toBe('the-client-secret');
  });

  it('redaction shows "set" for present secrets and null for absent ones', () => {
    expect(redactSecrets('oidc', oidc)).toMatchObject({
      client_secret: 'set',
      private_key: null,
      microsoft_graph: { client_secret: 'set', tenant_id: 't' },
    });
    const noGraph = redactSecrets('oidc', { id: 'x', type: 'oidc' });
    expect(noGraph).toEqual({ id: 'x', type: 'oidc', client_secret: null, private_key: null });
  });

  it('a sealed secret opens only for its own connection and field', () => {
    const box = secretBox('0123456789abcdef0123456789abcdef');
    const sealed = sealSecrets(box, 'okta', { client_secret: 's3cret' });
    expect(sealed.client_secret).toMatch(/^gh1\./);
    expect(sealed.client_secret).not.toContain('s3cret');
    expect(openSecrets(box, 'okta', sealed)).toEqual({ client_secret: 's3cret' });
    // Copied into another row, or into another field of the same row: refused.
    expect(() => openSecrets(box, 'entra', sealed)).toThrow(SecretBoxError);
    expect(() => openSecrets(box, 'okta', { private_key: sealed.client_secret ?? '' })).toThrow(
      SecretBoxError,
    );
    // Under another GATEHOUSE_SECRET: refused as the wrong key.
    const other = secretBox('another-secret-of-enough-length');
    expect(() => openSecrets(other, 'okta', sealed)).toThrow(
      expect.objectContaining({ code: 'wrong_key' }),
    );
  });
});
