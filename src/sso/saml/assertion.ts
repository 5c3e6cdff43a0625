import { attr, child, children, hasElementChildren, NS, textOf } from './xml.js';

/** The facts of a Response envelope (outside the assertion). Signed only when the Response is. */
export interface ResponseEnvelope {
  id: string | null;
  destination: string | null;
  inResponseTo: string | null;
  issuer: string | null;
  statusCode: string | null;
  /** The second-level status code (AuthnFailed, NoPassive, …), when there is one. */
  subStatusCode: string | null;
}

export interface NameId {
  value: string;
  format: string | null;
  nameQualifier: string | null;
  spNameQualifier: string | null;
}

export interface SubjectConfirmation {
  method: string | null;
  recipient: string | null;
  notBefore: string | null;
  notOnOrAfter: string | null;
  inResponseTo: string | null;
}

/** The facts of an assertion, read only from XML whose signature has been verified. */
export interface AssertionFacts {
  id: string;
  issueInstant: string | null;
  issuer: string | null;
  nameId: NameId | null;
  subjectConfirmations: SubjectConfirmation[];
  /** How many Conditions elements there were; the schema allows one. */
  conditionsCount: number;
  notBefore: string | null;
  notOnOrAfter: string | null;
  /** One entry per AudienceRestriction (each must name this SP). */
  audienceRestrictions: string[][];
  sessionIndex: string | null;
  /** How many AuthnStatements: the Web Browser SSO profile requires one (the person signed in). */
  authnStatements: number;
  /** Values always as lists, text whole (comments cannot cut them short). */
  attributes: Record<string, string[]>;
}

export function readEnvelope(root: Element): ResponseEnvelope {
  const status = child(root, NS.protocol, 'Status');
  const code = status ? child(status, NS.protocol, 'StatusCode') : null;
  const sub = code ? child(code, NS.protocol, 'StatusCode') : null;
  const issuer = child(root, NS.assertion, 'Issuer');
  return {
    id: attr(root, 'ID'),
    destination: attr(root, 'Destination'),
    inResponseTo: attr(root, 'InResponseTo'),
    issuer: issuer ? textOf(issuer).trim() : null,
    statusCode: code ? attr(code, 'Value') : null,
    subStatusCode: sub ? attr(sub, 'Value') : null,
  };
}

function readAttributes(assertion: Element): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const statement of children(assertion, NS.assertion, 'AttributeStatement')) {
    for (const a of children(statement, NS.assertion, 'Attribute')) {
      const name = attr(a, 'Name');
      if (!name) continue;
      const values = children(a, NS.assertion, 'AttributeValue')
        // xsi:nil is "no value"; structured values (XML inside) are not strings to map.
        .filter((v) => v.getAttributeNS(NS.xsi, 'nil') !== 'true' && !hasElementChildren(v))
        .map((v) => textOf(v));
      // An attribute sent twice is merged, not overwritten: either way nothing is lost.
      out[name] = [...(Object.hasOwn(out, name) ? (out[name] ?? []) : []), ...values];
    }
  }
  return out;
}

/**
 * Reads an Assertion element, or says why it cannot be read: a NameID with elements inside it
 * has no single text value to key a person on.
 */
export function readAssertion(assertion: Element): AssertionFacts | { invalid: string } {
  const id = attr(assertion, 'ID');
  if (!id) return { invalid: 'The assertion has no ID.' };
  const issuerEl = child(assertion, NS.assertion, 'Issuer');
  const subject = child(assertion, NS.assertion, 'Subject');
  const nameIdEl = subject ? child(subject, NS.assertion, 'NameID') : null;
  if (nameIdEl && hasElementChildren(nameIdEl)) {
    return { invalid: 'The NameID contains XML elements instead of text.' };
  }
  const conditions = children(assertion, NS.assertion, 'Conditions');
  const cond = conditions[0] ?? null;
  const authn = child(assertion, NS.assertion, 'AuthnStatement');
  return {
    id,
    issueInstant: attr(assertion, 'IssueInstant'),
    issuer: issuerEl ? textOf(issuerEl).trim() : null,
    nameId: nameIdEl
      ? {
          value: textOf(nameIdEl).trim(),
          format: attr(nameIdEl, 'Format'),
          nameQualifier: attr(nameIdEl, 'NameQualifier'),
          spNameQualifier: attr(nameIdEl, 'SPNameQualifier'),
        }
      : null,
    subjectConfirmations: (subject
      ? children(subject, NS.assertion, 'SubjectConfirmation')
      : []
    ).map((sc) => {
      const data = child(sc, NS.assertion, 'SubjectConfirmationData');
      return {
        method: attr(sc, 'Method'),
        recipient: data ? attr(data, 'Recipient') : null,
        notBefore: data ? attr(data, 'NotBefore') : null,
        notOnOrAfter: data ? attr(data, 'NotOnOrAfter') : null,
        inResponseTo: data ? attr(data, 'InResponseTo') : null,
      };
    }),
    conditionsCount: conditions.length,
    notBefore: cond ? attr(cond, 'NotBefore') : null,
    notOnOrAfter: cond ? attr(cond, 'NotOnOrAfter') : null,
    audienceRestrictions: cond
      ? children(cond, NS.assertion, 'AudienceRestriction').map((r) =>
          children(r, NS.assertion, 'Audience').map((a) => textOf(a).trim()),
        )
      : [],
    sessionIndex: authn ? attr(authn, 'SessionIndex') : null,
    authnStatements: children(assertion, NS.assertion, 'AuthnStatement').length,
    attributes: readAttributes(assertion),
  };
}
