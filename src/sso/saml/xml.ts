import { DOMParser } from '@xmldom/xmldom';

export const NS = {
  protocol: 'urn:oasis:names:tc:SAML:2.0:protocol',
  assertion: 'urn:oasis:names:tc:SAML:2.0:assertion',
  metadata: 'urn:oasis:names:tc:SAML:2.0:metadata',
  dsig: 'http://www.w3.org/2000/09/xmldsig#',
  xenc: 'http://www.w3.org/2001/04/xmlenc#',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
} as const;

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const CDATA_SECTION_NODE = 4;
const PROCESSING_INSTRUCTION_NODE = 7;
const COMMENT_NODE = 8;

/**
 * A DTD is never legitimate in SAML (the profiles forbid it) and is how entity expansion and
 * external-entity attacks start, so any DOCTYPE or ENTITY declaration is refused before parsing.
 */
export function hasDoctype(xml: string): boolean {
  return /<!\s*(DOCTYPE|ENTITY)/i.test(xml);
}

export type ParseResult =
  | { ok: true; root: Element }
  | { ok: false; reason: 'malformed' | 'structure'; message: string };

/**
 * Parses with every parser complaint fatal, and insists on exactly one root element with
 * nothing but whitespace, comments or processing instructions around it: content after the
 * root is how multiple-root signature bypasses (CVE-2022-39299) smuggle a second document in.
 */
export function parseStrict(xml: string): ParseResult {
  let problem: string | null = null;
  const parser = new DOMParser({
    locator: {},
    // Warnings too: xmldom only warns about an unclosed element, which is not XML.
    errorHandler: {
      warning: (m: string) => {
        problem ??= m;
      },
      error: (m: string) => {
        problem ??= m;
      },
      fatalError: (m: string) => {
        problem ??= m;
      },
    },
  });
  let doc: Document;
  try {
    doc = parser.parseFromString(xml, 'text/xml');
  } catch {
    return { ok: false, reason: 'malformed', message: 'is not well-formed XML' };
  }
  if (problem !== null && /Only one element can be added/.test(problem)) {
    return { ok: false, reason: 'structure', message: 'has more than one root element' };
  }
  if (problem !== null || !doc) {
    return { ok: false, reason: 'malformed', message: 'is not well-formed XML' };
  }
  let root: Element | null = null;
  for (let n = doc.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === ELEMENT_NODE) {
      if (root)
        return { ok: false, reason: 'structure', message: 'has more than one root element' };
      root = n as Element;
    } else if (n.nodeType === TEXT_NODE || n.nodeType === CDATA_SECTION_NODE) {
      if ((n.nodeValue ?? '').trim() !== '') {
        return { ok: false, reason: 'structure', message: 'has content outside its root element' };
      }
    } else if (n.nodeType !== PROCESSING_INSTRUCTION_NODE && n.nodeType !== COMMENT_NODE) {
      return { ok: false, reason: 'structure', message: 'has content outside its root element' };
    }
  }
  if (!root) return { ok: false, reason: 'malformed', message: 'has no root element' };
  return { ok: true, root };
}

export function isElement(n: Node | null | undefined, ns: string, local: string): boolean {
  return (
    !!n &&
    n.nodeType === ELEMENT_NODE &&
    (n as Element).namespaceURI === ns &&
    (n as Element).localName === local
  );
}

/** Direct children with this namespace and local name, in document order. */
export function children(parent: Element, ns: string, local: string): Element[] {
  const out: Element[] = [];
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if (isElement(n, ns, local)) out.push(n as Element);
  }
  return out;
}

export function child(parent: Element, ns: string, local: string): Element | null {
  return children(parent, ns, local)[0] ?? null;
}

/** Every node below `root` in document order, root included; iterative, so depth cannot exhaust the stack. */
function* nodesOf(root: Node): Generator<Node> {
  const stack: Node[] = [root];
  for (let n = stack.pop(); n; n = stack.pop()) {
    yield n;
    const kids: Node[] = [];
    for (let c = n.firstChild; c; c = c.nextSibling) kids.push(c);
    for (let i = kids.length - 1; i >= 0; i--) {
      const k = kids[i];
      if (k) stack.push(k);
    }
  }
}

/**
 * Every element below `root` (document order), root included. A response nested tens of
 * thousands of levels deep must not exhaust the stack, hence no recursion.
 */
export function* descendants(root: Element): Generator<Element> {
  for (const n of nodesOf(root)) if (n.nodeType === ELEMENT_NODE) yield n as Element;
}

/**
 * All text below an element, comments skipped. Reading only the first text node is the
 * comment-injection bug (CVE-2017-11428 class): `a@corp.com<!---->.evil.com` would yield
 * `a@corp.com`. Concatenating yields the whole value, which is what the IdP signed.
 */
export function textOf(el: Element): string {
  let out = '';
  for (const n of nodesOf(el)) {
    if (n.nodeType === TEXT_NODE || n.nodeType === CDATA_SECTION_NODE) out += n.nodeValue ?? '';
  }
  return out;
}

/** True when an element has element children (a value that is structure, not text). */
export function hasElementChildren(el: Element): boolean {
  for (let n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === ELEMENT_NODE) return true;
  return false;
}

export function attr(el: Element, name: string): string | null {
  return el.hasAttribute(name) ? el.getAttribute(name) : null;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

/** Escapes text for an XML attribute value or element content. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}
