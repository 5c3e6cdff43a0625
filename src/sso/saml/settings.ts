import type { ConnectionConfig } from '../../config/schema.js';
import type { RegisteredConnection } from '../../provisioning/connections.js';
import type { SsoUrls } from '../urls.js';
import { type AttributeMapping, attributeMapping, type MappingPreset } from './attributes.js';
import {
  DEFAULT_POLICY,
  type SamlConnection,
  type SamlIdentityProvider,
  type SamlPolicy,
  type SamlServiceProvider,
  type SpKey,
} from './types.js';

export type SamlConnectionConfig = Extract<ConnectionConfig, { type: 'saml' }>;

export function samlConfig(c: RegisteredConnection): SamlConnectionConfig | null {
  return c.config.type === 'saml' ? c.config : null;
}

/** The URLs an IdP admin copies into Okta or Entra, all built from GATEHOUSE_PUBLIC_URL. */
export interface SpUrls {
  entityId: string;
  acsUrl: string;
  metadataUrl: string;
  sloUrl: string;
}

export function spUrls(c: SamlConnectionConfig, urls: SsoUrls): SpUrls {
  const base = `/sso/${encodeURIComponent(c.id)}`;
  const metadataUrl = urls.absolute(`${base}/metadata`);
  return {
    // The metadata URL doubles as the entity id: unique per connection, and it resolves.
    entityId: c.sp_entity_id ?? metadataUrl,
    acsUrl: urls.absolute(`${base}/acs`),
    metadataUrl,
    sloUrl: urls.absolute(`${base}/slo`),
  };
}

/** The SP key pairs, newest first: the first signs, all are published and all decrypt. */
export function spKeys(c: SamlConnectionConfig): SpKey[] {
  const keys: SpKey[] = [];
  if (c.sp_private_key && c.sp_certificate) {
    keys.push({ privateKeyPem: c.sp_private_key, certificatePem: c.sp_certificate });
  }
  if (c.sp_previous_private_key && c.sp_previous_certificate) {
    keys.push({
      privateKeyPem: c.sp_previous_private_key,
      certificatePem: c.sp_previous_certificate,
    });
  }
  return keys;
}

/** Entra's SAML issuer is its STS; anything else gets Okta's plain attribute names. */
export function presetOf(c: SamlConnectionConfig, idpEntityId: string | null): MappingPreset {
  if (c.preset) return c.preset;
  return idpEntityId && /^https:\/\/sts\.windows\.net\//.test(idpEntityId) ? 'entra' : 'okta';
}

export function mappingOf(c: SamlConnectionConfig, idpEntityId: string): AttributeMapping {
  const overrides = Object.fromEntries(
    Object.entries(c.attributes).filter(([, v]) => typeof v === 'string'),
  );
  return attributeMapping(presetOf(c, idpEntityId), overrides);
}

/** Gatehouse's side of the connection: what the SP metadata publishes. */
export function serviceProvider(c: SamlConnectionConfig, urls: SsoUrls): SamlServiceProvider {
  const u = spUrls(c, urls);
  const keys = spKeys(c);
  return {
    entityId: u.entityId,
    acsUrl: u.acsUrl,
    // Logout requests must be signed, so single logout exists only with a key.
    ...(keys.length > 0 ? { sloUrl: u.sloUrl } : {}),
    signingKeys: keys,
    encryptionKeys: keys,
    nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
  };
}

export function policyOf(c: SamlConnectionConfig): SamlPolicy {
  return {
    ...DEFAULT_POLICY,
    wantAssertionsSigned: c.want_assertions_signed,
    wantResponseSigned: c.want_response_signed,
    allowIdpInitiated: c.allow_idp_initiated,
    signAuthnRequests: c.sign_authn_requests,
    clockToleranceMs: c.clock_tolerance * 1000,
  };
}

/** What the SAML core needs for one connection, from its settings and its resolved IdP. */
export function samlConnection(
  c: SamlConnectionConfig,
  idp: SamlIdentityProvider,
  urls: SsoUrls,
): SamlConnection {
  return { id: c.id, sp: serviceProvider(c, urls), idp, policy: policyOf(c) };
}
