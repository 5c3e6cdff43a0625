import { certificateBody } from './keys.js';
import type { SamlPolicy, SamlServiceProvider } from './types.js';
import { escapeXml, NS } from './xml.js';

const POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';

/** What the core can decrypt, strongest first; advertised so the IdP picks one of these. */
const ENCRYPTION_METHODS = [
  'http://www.w3.org/2009/xmlenc11#aes256-gcm',
  'http://www.w3.org/2009/xmlenc11#aes128-gcm',
  'http://www.w3.org/2001/04/xmlenc#aes256-cbc',
  'http://www.w3.org/2001/04/xmlenc#aes128-cbc',
  'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p',
];

function keyDescriptor(use: 'signing' | 'encryption', pem: string): string {
  const methods =
    use === 'encryption'
      ? ENCRYPTION_METHODS.map((a) => `\n      <md:EncryptionMethod Algorithm="${a}"/>`).join('')
      : '';
  return `
    <md:KeyDescriptor use="${use}">
      <ds:KeyInfo>
        <ds:X509Data>
          <ds:X509Certificate>${certificateBody(pem)}</ds:X509Certificate>
        </ds:X509Data>
      </ds:KeyInfo>${methods}
    </md:KeyDescriptor>`;
}

/**
 * The SP metadata an IdP admin imports (Okta: "SP metadata", Entra: "Upload metadata file").
 * Every signing and encryption certificate is listed, so a rotated key is published next to the
 * old one until the admin retires the old one. Unsigned: IdPs trust it because an admin uploads
 * it, and a signature over a document fetched from the same origin would add nothing.
 */
export function spMetadataXml(
  sp: SamlServiceProvider,
  policy: Pick<SamlPolicy, 'signAuthnRequests' | 'wantAssertionsSigned'>,
): string {
  const keys = [
    ...sp.signingKeys.map((k) => keyDescriptor('signing', k.certificatePem)),
    ...sp.encryptionKeys.map((k) => keyDescriptor('encryption', k.certificatePem)),
  ].join('');
  const slo = sp.sloUrl
    ? `
    <md:SingleLogoutService Binding="${REDIRECT}" Location="${escapeXml(sp.sloUrl)}"/>`
    : '';
  const formats = [
    ...new Set([
      ...(sp.nameIdFormat ? [sp.nameIdFormat] : []),
      'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
    ]),
  ]
    .map((f) => `\n    <md:NameIDFormat>${escapeXml(f)}</md:NameIDFormat>`)
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="${NS.metadata}" xmlns:ds="${NS.dsig}" entityID="${escapeXml(sp.entityId)}">
  <md:SPSSODescriptor AuthnRequestsSigned="${policy.signAuthnRequests && sp.signingKeys.length > 0}" WantAssertionsSigned="${policy.wantAssertionsSigned}" protocolSupportEnumeration="${NS.protocol}">${keys}${slo}${formats}
    <md:AssertionConsumerService Binding="${POST}" Location="${escapeXml(sp.acsUrl)}" index="0" isDefault="true"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>
`;
}
