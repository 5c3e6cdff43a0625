import { PRESETS } from '../../sso/saml/attributes.js';
import { parseList } from './format.js';

/**
 * The SSO connection forms' state and the bodies they send: exactly the config file's snake_case
 * keys (src/config/schema.ts), so a connection made here reads like one written in the file.
 */

export interface OidcDraft {
  type: 'oidc';
  id: string;
  display_name: string;
  issuer: string;
  client_id: string;
  /** Empty on edit: keep the stored secret. */
  client_secret: string;
  scopes: string;
  claims: { email: string; name: string; groups: string; roles: string };
  email_domains: string;
  enabled: boolean;
  jit: boolean;
  link_existing_by_email: boolean;
}

export type SamlSource = 'xml' | 'url' | 'manual';

export interface SamlAttributes {
  email: string;
  name: string;
  given_name: string;
  family_name: string;
  groups: string;
  roles: string;
}

export interface SamlDraft {
  type: 'saml';
  id: string;
  display_name: string;
  source: SamlSource;
  idp_metadata_xml: string;
  idp_metadata_url: string;
  idp_sso_url: string;
  idp_entity_id: string;
  /** PEM certificates, one or more, pasted as they come. */
  idp_certificates: string;
  sp_entity_id: string;
  /** Okta's or Entra's attribute names and subject rule; empty: inferred from the IdP entity id. */
  preset: '' | SamlPreset;
  attributes: SamlAttributes;
  email_domains: string;
  jit: boolean;
  link_existing_by_email: boolean;
  want_assertions_signed: boolean;
  want_response_signed: boolean;
  allow_idp_initiated: boolean;
  sign_authn_requests: boolean;
}

export type SamlPreset = 'okta' | 'entra';

export type Draft = OidcDraft | SamlDraft;

const first = (list: readonly string[]) => list[0] ?? '';

/** The attribute names Okta's and Entra's SAML apps send by default (the SAML core's presets). */
export const ATTRIBUTE_PRESETS: Record<SamlPreset, SamlAttributes> = {
  okta: {
    email: first(PRESETS.okta.email),
    name: first(PRESETS.okta.displayName),
    given_name: first(PRESETS.okta.givenName),
    family_name: first(PRESETS.okta.familyName),
    groups: PRESETS.okta.groups,
    roles: PRESETS.okta.roles,
  },
  entra: {
    email: first(PRESETS.entra.email),
    name: first(PRESETS.entra.displayName),
    given_name: first(PRESETS.entra.givenName),
    family_name: first(PRESETS.entra.familyName),
    groups: PRESETS.entra.groups,
    roles: PRESETS.entra.roles,
  },
};

export function newOidcDraft(): OidcDraft {
  return {
    type: 'oidc',
    id: '',
    display_name: '',
    issuer: '',
    client_id: '',
    client_secret: '',
    scopes: 'openid profile email',
    claims: { email: 'email', name: 'name', groups: 'groups', roles: 'roles' },
    email_domains: '',
    enabled: true,
    jit: true,
    link_existing_by_email: false,
  };
}

export function newSamlDraft(): SamlDraft {
  return {
    type: 'saml',
    id: '',
    display_name: '',
    source: 'xml',
    idp_metadata_xml: '',
    idp_metadata_url: '',
    idp_sso_url: '',
    idp_entity_id: '',
    idp_certificates: '',
    sp_entity_id: '',
    preset: '',
    attributes: { ...ATTRIBUTE_PRESETS.okta },
    email_domains: '',
    jit: true,
    link_existing_by_email: false,
    want_assertions_signed: true,
    want_response_signed: false,
    allow_idp_initiated: false,
    sign_authn_requests: false,
  };
}

const str = (v: unknown, fallback = '') => (typeof v === 'string' ? v : fallback);
const bool = (v: unknown, fallback: boolean) => (typeof v === 'boolean' ? v : fallback);
const strings = (v: unknown) =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
const record = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/** Splits pasted PEM text into its certificates (each BEGIN…END block), or the text as one. */
export function splitCertificates(text: string): string[] {
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g);
  if (blocks) return blocks.map((b) => b.trim());
  const t = text.trim();
  return t ? [t] : [];
}

/** A stored connection (as GET answers it) back into a form. */
export function draftOf(c: Record<string, unknown>): Draft {
  if (c.type === 'saml') {
    const d = newSamlDraft();
    const a = record(c.attributes);
    const source: SamlSource = c.idp_metadata_url
      ? 'url'
      : c.idp_metadata_xml
        ? 'xml'
        : c.idp_sso_url
          ? 'manual'
          : 'xml';
    return {
      ...d,
      id: str(c.id),
      display_name: str(c.display_name),
      source,
      idp_metadata_xml: str(c.idp_metadata_xml),
      idp_metadata_url: str(c.idp_metadata_url),
      idp_sso_url: str(c.idp_sso_url),
      idp_entity_id: str(c.idp_entity_id),
      idp_certificates: strings(c.idp_certificates).join('\n'),
      sp_entity_id: str(c.sp_entity_id),
      preset: c.preset === 'okta' || c.preset === 'entra' ? c.preset : '',
      attributes: {
        email: str(a.email, d.attributes.email),
        name: str(a.name, d.attributes.name),
        given_name: str(a.given_name),
        family_name: str(a.family_name),
        groups: str(a.groups, d.attributes.groups),
        roles: str(a.roles, d.attributes.roles),
      },
      email_domains: strings(c.email_domains).join(', '),
      jit: bool(c.jit, true),
      link_existing_by_email: bool(c.link_existing_by_email, false),
      want_assertions_signed: bool(c.want_assertions_signed, d.want_assertions_signed),
      want_response_signed: bool(c.want_response_signed, d.want_response_signed),
      allow_idp_initiated: bool(c.allow_idp_initiated, d.allow_idp_initiated),
      sign_authn_requests: bool(c.sign_authn_requests, d.sign_authn_requests),
    };
  }
  const d = newOidcDraft();
  const claims = record(c.claims);
  return {
    ...d,
    id: str(c.id),
    display_name: str(c.display_name),
    issuer: str(c.issuer),
    client_id: str(c.client_id),
    client_secret: '',
    scopes: strings(c.scopes).join(' ') || d.scopes,
    claims: {
      email: str(claims.email, d.claims.email),
      name: str(claims.name, d.claims.name),
      groups: str(claims.groups, d.claims.groups),
      roles: str(claims.roles, d.claims.roles),
    },
    email_domains: strings(c.email_domains).join(', '),
    enabled: bool(c.enabled, true),
    jit: bool(c.jit, true),
    link_existing_by_email: bool(c.link_existing_by_email, false),
  };
}

const domains = (text: string) => parseList(text).map((d) => d.toLowerCase());

/**
 * The POST body (or, with `editing`, the PATCH body: no id or type, which cannot change, and a
 * blank secret left out so the stored one is kept). Optional fields left blank are left out.
 */
export function bodyOf(d: Draft, editing: boolean): Record<string, unknown> {
  const common: Record<string, unknown> = {
    ...(editing ? {} : { id: d.id.trim(), type: d.type }),
    ...(d.display_name.trim() ? { display_name: d.display_name.trim() } : {}),
    email_domains: domains(d.email_domains),
    jit: d.jit,
    link_existing_by_email: d.link_existing_by_email,
  };
  if (d.type === 'oidc') {
    return {
      ...common,
      issuer: d.issuer.trim(),
      client_id: d.client_id.trim(),
      ...(d.client_secret ? { client_secret: d.client_secret } : {}),
      scopes: d.scopes.split(/[\s,]+/).filter(Boolean),
      claims: {
        email: d.claims.email.trim(),
        name: d.claims.name.trim(),
        groups: d.claims.groups.trim(),
        roles: d.claims.roles.trim(),
      },
      enabled: d.enabled,
    };
  }
  const attributes: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.attributes)) if (v.trim()) attributes[k] = v.trim();
  // One way of describing the IdP: the others are cleared on edit so a stale one cannot win.
  const clear = (on: boolean, key: string, value: unknown) =>
    on ? { [key]: value } : editing ? { [key]: null } : {};
  return {
    ...common,
    ...clear(d.source === 'xml', 'idp_metadata_xml', d.idp_metadata_xml.trim()),
    ...clear(d.source === 'url', 'idp_metadata_url', d.idp_metadata_url.trim()),
    ...clear(d.source === 'manual', 'idp_sso_url', d.idp_sso_url.trim()),
    ...clear(d.source === 'manual', 'idp_entity_id', d.idp_entity_id.trim()),
    ...clear(d.source === 'manual', 'idp_certificates', splitCertificates(d.idp_certificates)),
    ...(d.sp_entity_id.trim()
      ? { sp_entity_id: d.sp_entity_id.trim() }
      : editing
        ? { sp_entity_id: null }
        : {}),
    ...(d.preset ? { preset: d.preset } : editing ? { preset: null } : {}),
    attributes,
    want_assertions_signed: d.want_assertions_signed,
    want_response_signed: d.want_response_signed,
    allow_idp_initiated: d.allow_idp_initiated,
    sign_authn_requests: d.sign_authn_requests,
  };
}

/** The URLs to register at the IdP, with the names Okta and Entra give them, in that order. */
export const ENDPOINT_LABELS: Record<string, string> = {
  redirect_uri: 'Redirect URI (Okta: Sign-in redirect URI; Entra: Redirect URI)',
  post_logout_redirect_uri: 'Sign-out redirect URI',
  acs_url: 'ACS URL (Okta: Single sign-on URL; Entra: Reply URL)',
  entity_id: 'Entity ID (Okta: Audience URI; Entra: Identifier)',
  sp_entity_id: 'Entity ID (Okta: Audience URI; Entra: Identifier)',
  metadata_url: 'SP metadata URL',
  slo_url: 'Single logout URL',
  login_url: 'Sign-in URL (starts a sign-in through this connection)',
};

/** Endpoint fields of a connection answer, known ones first; other URL-valued `*_url`/`*_uri` keys after. */
export function endpointsOf(
  c: Record<string, unknown>,
): { key: string; label: string; value: string }[] {
  const out: { key: string; label: string; value: string }[] = [];
  const seen = new Set<string>();
  const push = (key: string, label: string) => {
    const v = c[key];
    // An entity id may be a URN; everything else registered at the IdP is a URL.
    const shape = key.endsWith('entity_id') ? /./ : /^https?:\/\//;
    if (typeof v !== 'string' || !shape.test(v) || seen.has(`${key}:${v}`)) return;
    if (key === 'sp_entity_id' && seen.has('entity_id')) return;
    seen.add(`${key}:${v}`);
    if (key.endsWith('entity_id')) seen.add('entity_id');
    out.push({ key, label, value: v });
  };
  for (const [key, label] of Object.entries(ENDPOINT_LABELS)) push(key, label);
  const config = new Set(['issuer', 'idp_metadata_url', 'idp_sso_url', 'idp_entity_id']);
  for (const key of Object.keys(c)) {
    if (!config.has(key) && /_(url|uri)$/.test(key)) push(key, key);
  }
  return out;
}

/**
 * The URLs a connection will have, shown while it is being created so the admin can set up the
 * IdP's app first (Okta and Entra ask for them before they issue a client id). They assume
 * Gatehouse's public URL is this page's origin; the connection's page shows the server's own.
 */
export function expectedEndpoints(
  d: Draft,
  origin: string,
): { key: string; label: string; value: string }[] {
  const id = d.id.trim();
  if (!/^[a-z0-9][a-z0-9_-]{0,62}$/.test(id)) return [];
  const base = `${origin}/sso/${encodeURIComponent(id)}`;
  const values: Record<string, string> =
    d.type === 'oidc'
      ? { redirect_uri: `${base}/callback`, post_logout_redirect_uri: `${origin}/ui/` }
      : {
          acs_url: `${base}/acs`,
          entity_id: d.sp_entity_id.trim() || `${base}/metadata`,
          metadata_url: `${base}/metadata`,
        };
  return Object.entries(values).map(([key, value]) => ({
    key,
    label: ENDPOINT_LABELS[key] ?? key,
    value,
  }));
}
