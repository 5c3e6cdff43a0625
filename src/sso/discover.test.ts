import { describe, expect, it } from 'vitest';
import { connectionSchema } from '../config/connection-schema.js';
import { connectionForDomain, emailDomain } from './discover.js';

const conn = (id: string, email_domains: string[]) => ({
  config: connectionSchema.parse({
    id,
    type: 'oidc',
    issuer: 'https://idp.example',
    client_id: 'c',
    email_domains,
  }),
});

describe('home-realm discovery', () => {
  it('takes the domain of a plain email address, lower-cased', () => {
    expect(emailDomain('Alice@ACME.com')).toBe('acme.com');
    expect(emailDomain(' bob@eu.acme.com ')).toBe('eu.acme.com');
    for (const bad of ['acme.com', '@acme.com', 'a@', 'a@b@c.com', 'a b@c.com', 'a@-acme.com']) {
      expect(emailDomain(bad)).toBeNull();
    }
  });

  it('picks the first connection listing the domain exactly; subdomains do not match', () => {
    const list = [conn('okta', ['acme.com']), conn('entra', ['contoso.com', 'ACME.com'])];
    expect(connectionForDomain(list, 'acme.com')?.config.id).toBe('okta');
    expect(connectionForDomain(list, 'Contoso.COM')?.config.id).toBe('entra');
    expect(connectionForDomain(list, 'eu.acme.com')).toBeNull();
    expect(connectionForDomain(list, 'evilacme.com')).toBeNull();
  });
});
