// The SSO connection settings, as written in the config file under `sso.connections` and sent
// to `/api/v1/sso/connections`: one variant per protocol.
import { z } from 'zod';

export const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

export const connectionId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be lowercase letters, digits, "-" or "_"');

/** The Graph token travels to these hosts: https only, except loopback (tests, local proxies). */
const secureUrl = httpUrl.refine(
  (u) =>
    u.startsWith('https://') || /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/.test(u),
  'must be an https URL (http only for loopback)',
);

const microsoftGraphSchema = z.strictObject({
  base_url: secureUrl.default('https://graph.microsoft.com/v1.0'),
  authority_host: secureUrl.default('https://login.microsoftonline.com'),
  tenant_id: z.string().min(1),
  client_id: z.string().min(1),
  client_secret: z.string().min(1),
  service_principal_id: z.string().min(1).optional(),
});

const connectionCommon = {
  id: connectionId,
  display_name: z.string().min(1).optional(),
  email_domains: z.array(z.string().min(1)).default([]),
  jit: z.boolean().default(true),
  scim_directory: z.string().min(1).optional(),
  /** The SCIM token (its id) whose directory this connection's people are provisioned by. */
  scim_token: z.string().min(1).optional(),
  link_existing_by_email: z.boolean().default(false),
  microsoft_graph: microsoftGraphSchema.optional(),
};

// --- OIDC connection settings (issue 13) ------------------------------------------------------
/** Asymmetric algorithms only: `none` and HS* (keyed with a public key) are never accepted. */
export const ID_TOKEN_ALGS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;
const idTokenAlg = z.enum(ID_TOKEN_ALGS, {
  error: () => `must be one of ${ID_TOKEN_ALGS.join(', ')}`,
});
const MULTI_TENANT_ISSUER = /\/(common|organizations)\/v2\.0\/?$/;

export const oidcConnectionSchema = z
  .strictObject({
    ...connectionCommon,
    type: z.literal('oidc'),
    enabled: z.boolean().default(true),
    /** Claim shapes and identity rules; inferred from the issuer's host when absent. */
    provider: z.enum(['okta', 'entra', 'generic']).optional(),
    issuer: httpUrl,
    client_id: z.string().min(1),
    client_secret: z.string().min(1).optional(),
    token_auth: z
      .enum(['client_secret_basic', 'client_secret_post', 'private_key_jwt'])
      .default('client_secret_basic'),
    /** PKCS#8 PEM private key for `token_auth: private_key_jwt`. */
    private_key: z.string().min(1).optional(),
    /** `kid` of that key as registered with the IdP. */
    private_key_id: z.string().min(1).optional(),
    scopes: z.array(z.string().min(1)).default(['openid', 'profile', 'email']),
    claims: z
      .strictObject({
        email: z.string().default('email'),
        name: z.string().default('name'),
        groups: z.string().default('groups'),
        roles: z.string().default('roles'),
      })
      .prefault({}),
    /** The pinned id_token signing algorithm (default RS256). */
    id_token_alg: idTokenAlg.optional(),
    /** Older spelling of `id_token_alg`, kept working. */
    id_token_signed_response_alg: idTokenAlg.optional(),
    /** Seconds of clock difference accepted on exp/nbf/iat. */
    clock_tolerance: z.number().int().min(0).max(600).default(120),
    allowed_tenants: z.array(z.string().min(1)).optional(),
  })
  .superRefine((c, ctx) => {
    if (
      c.id_token_alg !== undefined &&
      c.id_token_signed_response_alg !== undefined &&
      c.id_token_alg !== c.id_token_signed_response_alg
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['id_token_alg'],
        message: 'differs from id_token_signed_response_alg; set only one',
      });
    }
    // A missing client_secret / private_key is not an error here: it may be stored through the
    // API. The OIDC core reports it (Test connection, sign-in error page) when it is needed.
    if (MULTI_TENANT_ISSUER.test(c.issuer) && !c.allowed_tenants?.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['allowed_tenants'],
        message:
          'a multi-tenant issuer (common, organizations) accepts any tenant: list the allowed tenant ids',
      });
    }
  });
// --- end OIDC connection settings -------------------------------------------------------------

// --- SAML connection settings (issue 9) ------------------------------------------------------
export const SAML_PRESETS = ['okta', 'entra'] as const;

export const samlConnectionSchema = z
  .strictObject({
    ...connectionCommon,
    type: z.literal('saml'),
    idp_metadata_url: httpUrl.optional(),
    idp_metadata_xml: z.string().min(1).optional(),
    idp_sso_url: httpUrl.optional(),
    idp_entity_id: z.string().min(1).optional(),
    idp_certificates: z.array(z.string().min(1)).optional(),
    idp_slo_url: httpUrl.optional(),
    /** Gatehouse's entity id at the IdP; default `{GATEHOUSE_PUBLIC_URL}/sso/{id}/metadata`. */
    sp_entity_id: z.string().min(1).optional(),
    /** PKCS#8 PEM; generated when the connection is created through the API. */
    sp_private_key: z.string().min(1).optional(),
    sp_certificate: z.string().min(1).optional(),
    /** The pair a rotation replaced: still published and still decrypts, until removed. */
    sp_previous_private_key: z.string().min(1).optional(),
    sp_previous_certificate: z.string().min(1).optional(),
    want_assertions_signed: z.boolean().default(true),
    want_response_signed: z.boolean().default(false),
    allow_idp_initiated: z.boolean().default(false),
    sign_authn_requests: z.boolean().default(false),
    /** Attribute names of Okta or Entra; inferred from the IdP entity id when absent. */
    preset: z.enum(SAML_PRESETS).optional(),
    /** Overrides of the preset's attribute names. */
    attributes: z
      .strictObject({
        email: z.string().min(1).optional(),
        name: z.string().min(1).optional(),
        given_name: z.string().min(1).optional(),
        family_name: z.string().min(1).optional(),
        groups: z.string().min(1).optional(),
        roles: z.string().min(1).optional(),
      })
      .prefault({}),
    /** Seconds of clock difference accepted on NotBefore / NotOnOrAfter. */
    clock_tolerance: z.number().int().min(0).max(600).default(120),
  })
  .superRefine((c, ctx) => {
    const manual = c.idp_sso_url && c.idp_entity_id && c.idp_certificates?.length;
    if (!c.idp_metadata_url && !c.idp_metadata_xml && !manual) {
      ctx.addIssue({
        code: 'custom',
        message:
          'needs idp_metadata_url, idp_metadata_xml, or all of idp_sso_url + idp_entity_id + idp_certificates',
      });
    }
    if (!c.want_assertions_signed && !c.want_response_signed) {
      ctx.addIssue({
        code: 'custom',
        path: ['want_assertions_signed'],
        message: 'want_assertions_signed and want_response_signed cannot both be false',
      });
    }
    for (const [key, cert] of [
      ['sp_private_key', 'sp_certificate'],
      ['sp_previous_private_key', 'sp_previous_certificate'],
    ] as const) {
      if (Boolean(c[key]) !== Boolean(c[cert])) {
        ctx.addIssue({ code: 'custom', path: [cert], message: `${key} and ${cert} go together` });
      }
    }
  });
// --- end SAML connection settings -------------------------------------------------------------

export const connectionSchema = z.discriminatedUnion('type', [
  oidcConnectionSchema,
  samlConnectionSchema,
]);
