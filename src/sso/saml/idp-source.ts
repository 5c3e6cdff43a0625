import { type IdpCertificate, parseCertificates, parseIdpMetadata } from './idp-metadata.js';
import type { SamlConnectionConfig } from './settings.js';
import { fail, type SamlIdentityProvider, type SamlResult } from './types.js';

/** The IdP of a connection, with where it came from (for Test connection). */
export interface ResolvedIdp {
  idp: SamlIdentityProvider;
  certificates: IdpCertificate[];
  source: 'metadata_url' | 'metadata_xml' | 'manual';
  fetchedAt: Date | null;
}

export interface IdpSourceOptions {
  now: () => number;
  fetch?: typeof fetch;
  /** How long fetched metadata is used before it is fetched again (a day). */
  refreshMs?: number;
  /** A signature failure refetches the metadata at most this often (an hour). */
  forcedRefreshMs?: number;
  timeoutMs?: number;
}

const DAY = 86_400_000;
const ENTRA_STS = /^https:\/\/sts\.windows\.net\/([0-9a-f-]{36})\/$/i;

/**
 * Entra's assertions are issued by `https://sts.windows.net/{tid}/`, its LogoutResponses by
 * `https://login.microsoftonline.com/{tid}/`.
 */
function sloIssuerOf(entityId: string): { sloIssuer: string } | Record<string, never> {
  const tid = ENTRA_STS.exec(entityId)?.[1];
  return tid ? { sloIssuer: `https://login.microsoftonline.com/${tid}/` } : {};
}
const HOUR = 3_600_000;
const MAX_METADATA_BYTES = 1024 * 1024;

/**
 * The body as text, or null once it passes `max` bytes. Content-Length is only a hint (a chunked
 * answer has none), so the stream itself is counted and hung up on at the cap: whoever answers
 * the metadata URL cannot make Gatehouse buffer an unbounded body.
 */
async function readCapped(res: Response, max: number): Promise<string | null> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

interface Cached {
  url: string;
  at: number;
  resolved: ResolvedIdp;
}

function fromMetadata(
  xml: string,
  c: SamlConnectionConfig,
  source: ResolvedIdp['source'],
  fetchedAt: Date | null,
): SamlResult<{ resolved: ResolvedIdp }> {
  const parsed = parseIdpMetadata(xml, c.idp_entity_id ? { entityId: c.idp_entity_id } : {});
  if (!parsed.ok) return parsed;
  const m = parsed.metadata;
  const sloUrl = c.idp_slo_url ?? m.sloRedirectUrl;
  return {
    ok: true,
    resolved: {
      idp: {
        entityId: m.entityId,
        ssoUrl: c.idp_sso_url ?? m.ssoRedirectUrl ?? '',
        ...(sloUrl ? { sloUrl } : {}),
        ...sloIssuerOf(m.entityId),
        certificates: m.signingCertificates.map((x) => x.pem),
      },
      certificates: m.signingCertificates,
      source,
      fetchedAt,
    },
  };
}

/**
 * Where each connection's IdP comes from: pasted metadata XML, settings entered by hand, or a
 * metadata URL fetched and cached per process — refreshed daily, and at most once an hour when a
 * signature does not verify (the IdP may have rolled its certificate over).
 */
export function idpSource(opts: IdpSourceOptions) {
  const doFetch = opts.fetch ?? fetch;
  const refreshMs = opts.refreshMs ?? DAY;
  const forcedMs = opts.forcedRefreshMs ?? HOUR;
  const cache = new Map<string, Cached>();
  const lastForced = new Map<string, number>();

  async function fetchMetadata(
    c: SamlConnectionConfig,
    url: string,
  ): Promise<SamlResult<{ resolved: ResolvedIdp }>> {
    let text: string;
    try {
      const res = await doFetch(url, {
        signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
        // Not followed: a redirect could send Gatehouse to an internal address (as on the OIDC side).
        redirect: 'manual',
        headers: { accept: 'application/samlmetadata+xml, application/xml, text/xml' },
      });
      if (res.status >= 300 && res.status < 400) {
        await res.body?.cancel();
        const to = res.headers.get('location');
        return fail(
          'malformed',
          `The IdP metadata URL answered a redirect (HTTP ${res.status}${to ? ` to ${to}` : ''}), which Gatehouse does not follow; enter the final metadata URL.`,
        );
      }
      if (!res.ok) {
        await res.body?.cancel();
        return fail('malformed', `The IdP metadata URL answered HTTP ${res.status}.`);
      }
      const length = Number(res.headers.get('content-length') ?? '0');
      if (length > MAX_METADATA_BYTES) {
        await res.body?.cancel();
        return fail('body_too_large', 'The IdP metadata is larger than 1 MB.');
      }
      const body = await readCapped(res, MAX_METADATA_BYTES);
      if (body === null) return fail('body_too_large', 'The IdP metadata is larger than 1 MB.');
      text = body;
    } catch {
      return fail('malformed', `The IdP metadata URL ${url} could not be reached.`);
    }
    const r = fromMetadata(text, c, 'metadata_url', new Date(opts.now()));
    if (r.ok) cache.set(c.id, { url, at: opts.now(), resolved: r.resolved });
    return r;
  }

  async function resolve(c: SamlConnectionConfig): Promise<SamlResult<{ resolved: ResolvedIdp }>> {
    if (c.idp_metadata_xml) return fromMetadata(c.idp_metadata_xml, c, 'metadata_xml', null);
    if (c.idp_metadata_url) {
      const hit = cache.get(c.id);
      if (hit && hit.url === c.idp_metadata_url && opts.now() - hit.at < refreshMs) {
        return { ok: true, resolved: hit.resolved };
      }
      const fetched = await fetchMetadata(c, c.idp_metadata_url);
      // A failed refresh keeps the last good metadata: the IdP's outage is not a lockout.
      if (!fetched.ok && hit && hit.url === c.idp_metadata_url) {
        return { ok: true, resolved: hit.resolved };
      }
      return fetched;
    }
    const certs = parseCertificates(c.idp_certificates ?? []);
    if (!certs.ok) return certs;
    if (!c.idp_sso_url || !c.idp_entity_id) {
      return fail('malformed', 'The connection has no IdP SSO URL or entity id.');
    }
    return {
      ok: true,
      resolved: {
        idp: {
          entityId: c.idp_entity_id,
          ssoUrl: c.idp_sso_url,
          ...(c.idp_slo_url ? { sloUrl: c.idp_slo_url } : {}),
          ...sloIssuerOf(c.idp_entity_id),
          certificates: certs.certificates.map((x) => x.pem),
        },
        certificates: certs.certificates,
        source: 'manual',
        fetchedAt: null,
      },
    };
  }

  return {
    resolve,
    /**
     * After a signature failure: fetch the metadata again, unless that was done within the hour.
     * Answers the new IdP when its certificates changed, else null.
     */
    async refreshAfterSignatureFailure(c: SamlConnectionConfig): Promise<ResolvedIdp | null> {
      if (!c.idp_metadata_url) return null;
      const last = lastForced.get(c.id);
      if (last !== undefined && opts.now() - last < forcedMs) return null;
      lastForced.set(c.id, opts.now());
      const before = cache.get(c.id)?.resolved.idp.certificates.join('\n');
      const r = await fetchMetadata(c, c.idp_metadata_url);
      if (!r.ok || r.resolved.idp.certificates.join('\n') === before) return null;
      return r.resolved;
    },
    forget(id: string): void {
      cache.delete(id);
      lastForced.delete(id);
    },
  };
}

export type IdpSource = ReturnType<typeof idpSource>;
