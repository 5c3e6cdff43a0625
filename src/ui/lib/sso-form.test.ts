import { describe, expect, it } from 'vitest';
import { oidcConnectionSchema, samlConnectionSchema } from '../../config/connection-schema.js';
import {
  ATTRIBUTE_PRESETS,
  bodyOf,
  draftOf,
  endpointsOf,
  expectedEndpoints,
  newOidcDraft,
  newSamlDraft,
  splitCertificates,
} from './sso-form.js';

const CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----';

describe('SSO connection forms', () => {
  it('an OIDC form becomes a body the config schema accepts, with the snake_case keys', () => {
    const body = bodyOf(
      {
        ...newOidcDraft(),
        id: 'okta',
        display_name: ' Okta ',
        issuer: 'https://acme.okta.com/oauth2/default',
        client_id: '0oa1',
        client_secret: 's3cret',
        scopes: 'openid profile, email groups',
        email_domains: 'Acme.com\nacme.de',
      },
      false,
    );
    expect(body).toMatchObject({
      id: 'okta',
      type: 'oidc',
      display_name: 'Okta',
      client_secret: 's3cret',
      scopes: ['openid', 'profile', 'email', 'groups'],
      email_domains: ['acme.com', 'acme.de'],
    });
    expect(oidcConnectionSchema.safeParse(body).success).toBe(true);
  });

  it('editing leaves out id, type and a blank secret (the stored one is kept)', () => {
    const d = draftOf({
      id: 'okta',
      type: 'oidc',
      issuer: 'https://i.example',
      client_id: 'c',
      client_secret: 'set',
      scopes: ['openid'],
      claims: { email: 'mail', name: 'name', groups: 'grp', roles: 'roles' },
      email_domains: ['acme.com'],
    });
    expect(d.type === 'oidc' && d.client_secret).toBe('');
    const body = bodyOf(d, true);
    expect(body).not.toHaveProperty('id');
    expect(body).not.toHaveProperty('type');
    expect(body).not.toHaveProperty('client_secret');
    expect(body.claims).toEqual({ email: 'mail', name: 'name', groups: 'grp', roles: 'roles' });
  });

  it('a SAML form sends only the chosen way of describing the IdP, in the schema keys', () => {
    const manual = bodyOf(
      {
        ...newSamlDraft(),
        id: 'entra-saml',
        source: 'manual',
        idp_metadata_xml: '<stale/>',
        idp_sso_url: 'https://login.microsoftonline.com/t/saml2',
        idp_entity_id: 'https://sts.windows.net/t/',
        idp_certificates: `${CERT}\n${CERT}`,
        preset: 'entra',
        attributes: { ...ATTRIBUTE_PRESETS.entra },
      },
      false,
    );
    expect(manual.preset).toBe('entra');
    expect(manual).not.toHaveProperty('idp_metadata_xml');
    expect(manual.idp_certificates).toEqual([CERT, CERT]);
    expect(manual).toMatchObject({
      want_assertions_signed: true,
      want_response_signed: false,
      allow_idp_initiated: false,
    });
    // This schema does not know the preset and signing switches yet (the SAML connection work
    // adds them); everything else must pass it.
    const {
      preset,
      want_assertions_signed,
      want_response_signed,
      allow_idp_initiated,
      sign_authn_requests,
      ...rest
    } = manual;
    expect(samlConnectionSchema.safeParse(rest).success).toBe(true);
    const edited = bodyOf(
      { ...newSamlDraft(), source: 'url', idp_metadata_url: 'https://m' },
      true,
    );
    expect(edited).toMatchObject({
      idp_metadata_url: 'https://m',
      idp_metadata_xml: null,
      preset: null,
    });
  });

  it('presets fill the attribute names Okta and Entra send', () => {
    expect(ATTRIBUTE_PRESETS.okta.email).toBe('email');
    expect(ATTRIBUTE_PRESETS.entra.email).toMatch(/claims\/emailaddress$/);
    expect(ATTRIBUTE_PRESETS.entra.groups).toMatch(/claims\/groups$/);
  });

  it('splits pasted certificates; text without markers is one certificate', () => {
    expect(splitCertificates(`junk ${CERT} more ${CERT}`)).toEqual([CERT, CERT]);
    expect(splitCertificates('  MIIB  ')).toEqual(['MIIB']);
    expect(splitCertificates(' ')).toEqual([]);
  });

  it('endpoints: the URLs to register, labelled, never the IdP settings', () => {
    const list = endpointsOf({
      issuer: 'https://idp.example',
      idp_metadata_url: 'https://idp.example/md',
      redirect_uri: 'https://gw/sso/okta/callback',
      login_url: 'https://gw/sso/okta/login',
      acs_url: 'https://gw/sso/s/acs',
      entity_id: 'urn:gatehouse:s',
      metadata_url: 'https://gw/sso/s/metadata',
    });
    expect(list.map((e) => e.key)).toEqual([
      'redirect_uri',
      'acs_url',
      'entity_id',
      'metadata_url',
      'login_url',
    ]);
    expect(list.find((e) => e.key === 'acs_url')?.label).toMatch(/ACS URL/);
  });

  it('the URLs a new connection will have, before it is saved', () => {
    const origin = 'https://gw.acme.com';
    expect(expectedEndpoints({ ...newOidcDraft(), id: 'okta' }, origin)).toEqual([
      expect.objectContaining({ key: 'redirect_uri', value: `${origin}/sso/okta/callback` }),
      expect.objectContaining({ key: 'post_logout_redirect_uri', value: `${origin}/ui/` }),
    ]);
    const saml = expectedEndpoints({ ...newSamlDraft(), id: 'entra_saml' }, origin);
    expect(Object.fromEntries(saml.map((e) => [e.key, e.value]))).toEqual({
      acs_url: `${origin}/sso/entra_saml/acs`,
      entity_id: `${origin}/sso/entra_saml/metadata`,
      metadata_url: `${origin}/sso/entra_saml/metadata`,
    });
    const custom = expectedEndpoints(
      { ...newSamlDraft(), id: 's', sp_entity_id: 'urn:acme:gatehouse' },
      origin,
    );
    expect(custom.find((e) => e.key === 'entity_id')?.value).toBe('urn:acme:gatehouse');
    // No id yet, or one the API would refuse: nothing to show.
    expect(expectedEndpoints(newOidcDraft(), origin)).toEqual([]);
    expect(expectedEndpoints({ ...newOidcDraft(), id: 'Bad Id' }, origin)).toEqual([]);
  });
});
