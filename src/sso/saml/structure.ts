import { fail, type SamlFailure } from './types.js';
import { attr, children, descendants, isElement, NS } from './xml.js';

const WEAK = new Set([
  'http://www.w3.org/2000/09/xmldsig#rsa-sha1',
  'http://www.w3.org/2000/09/xmldsig#dsa-sha1',
  'http://www.w3.org/2000/09/xmldsig#hmac-sha1',
  'http://www.w3.org/2000/09/xmldsig#sha1',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-md5',
  'http://www.w3.org/2001/04/xmldsig-more#md5',
]);

const WEAK_ENCRYPTION = new Set([
  'http://www.w3.org/2001/04/xmlenc#rsa-1_5',
  'http://www.w3.org/2001/04/xmlenc#tripledes-cbc',
]);

/**
 * Shape checks on the Response before any signature is looked at. They refuse documents whose
 * only purpose is to make the verifier and the reader look at different elements: two
 * assertions, two elements with one ID, two SignedInfo in one Signature.
 */
export function checkStructure(root: Element): SamlFailure | null {
  if (!isElement(root, NS.protocol, 'Response')) {
    return fail(
      'structure',
      `The message is a ${root.localName ?? 'non-SAML element'}, not a SAML Response.`,
    );
  }
  const assertions = [
    ...children(root, NS.assertion, 'Assertion'),
    ...children(root, NS.assertion, 'EncryptedAssertion'),
  ];
  if (assertions.length === 0) {
    return fail('structure', 'The response carries no assertion.');
  }
  if (assertions.length > 1) {
    return fail(
      'structure',
      'The response carries more than one assertion; Gatehouse accepts exactly one.',
    );
  }
  return checkIdsAndSignatures(root);
}

export function checkIsResponse(root: Element): SamlFailure | null {
  return isElement(root, NS.protocol, 'Response')
    ? null
    : fail(
        'structure',
        `The message is a ${root.localName ?? 'non-SAML element'}, not a SAML Response.`,
      );
}

/** Unique IDs and one SignedInfo per Signature, for a Response or a decrypted assertion. */
export function checkIdsAndSignatures(root: Element): SamlFailure | null {
  const ids = new Set<string>();
  for (const el of descendants(root)) {
    const id = attr(el, 'ID');
    if (id !== null) {
      if (ids.has(id)) {
        return fail(
          'duplicate_id',
          `Two elements of the response have the ID ${id}; signed references must be unambiguous.`,
        );
      }
      ids.add(id);
    }
    if (isElement(el, NS.dsig, 'Signature') && children(el, NS.dsig, 'SignedInfo').length !== 1) {
      return fail('signature', 'A signature in the response does not have exactly one SignedInfo.');
    }
  }
  return null;
}

/** SHA-1 and MD5 in signatures, RSA-1_5 and 3DES in encryption: refused unless allowed. */
export function checkAlgorithms(root: Element, allowSha1: boolean): SamlFailure | null {
  for (const el of descendants(root)) {
    const alg = attr(el, 'Algorithm');
    if (alg === null) continue;
    // DigestMethod also appears inside RSA-OAEP's EncryptionMethod, where SHA-1 is the standard
    // mask digest and no signature: only a Reference's digest is a signature algorithm.
    const inSignature =
      isElement(el, NS.dsig, 'SignatureMethod') ||
      (isElement(el, NS.dsig, 'DigestMethod') && isElement(el.parentNode, NS.dsig, 'Reference'));
    if (inSignature && WEAK.has(alg)) {
      const sha1 = alg.endsWith('sha1');
      if (sha1 && allowSha1) continue;
      return fail(
        'weak_algorithm',
        `The response is signed with ${alg.split('#').pop()}; set the IdP to sign with SHA-256${sha1 ? ' (or allow SHA-1 on this connection)' : ''}.`,
      );
    }
    if (isElement(el, NS.xenc, 'EncryptionMethod') && WEAK_ENCRYPTION.has(alg)) {
      return fail(
        'weak_algorithm',
        `The assertion is encrypted with ${alg.split('#').pop()}, which Gatehouse does not accept; choose AES with RSA-OAEP in the IdP.`,
      );
    }
  }
  return null;
}
