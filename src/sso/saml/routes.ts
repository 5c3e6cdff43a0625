import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SamlStateStore } from '../../access/saml-state.js';
import { AppError } from '../../errors/catalogue.js';
import { fromFastify } from '../../http/errors.js';
import type { RegisteredConnection } from '../../provisioning/connections.js';
import { POST_LOGOUT_PATH } from '../oidc/protocol.js';
import { SSO_JSON, SSO_PAGE } from '../route-config.js';
import type { SignInKit } from '../sign-in.js';
import type { SsoUrls } from '../urls.js';
import { SamlSignInError } from './errors.js';
import { validateLogoutResponse } from './logout-response.js';
import { inflateRedirectMessage } from './redirect-binding.js';
import { policyOf, type SamlConnectionConfig, serviceProvider } from './settings.js';
import { spMetadataXml } from './sp-metadata.js';
import type { SamlConnection } from './types.js';
import { attr } from './xml.js';

/**
 * The largest ACS form body, refused before it is read or decoded: the core's 256 KiB cap on the
 * base64 SAMLResponse, with room for URL-encoding of `+`, `/` and `=` and a RelayState.
 */
export const ACS_BODY_LIMIT = 1024 * 1024;

export interface SamlRouteDeps {
  acs(request: FastifyRequest, reply: FastifyReply, id: string): Promise<FastifyReply>;
  connectionOf(c: RegisteredConnection): Promise<SamlConnection>;
  configOf(c: RegisteredConnection): SamlConnectionConfig;
  state: SamlStateStore;
  urls: SsoUrls;
  now: () => Date;
}

/** The form an IdP auto-posts; a repeated field becomes a list, which the core refuses. */
function parseForm(text: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(text)) {
    const had = out[k];
    out[k] = had === undefined ? v : [...(Array.isArray(had) ? had : [had]), v];
  }
  return out;
}

const idOf = (request: FastifyRequest): string =>
  String((request.params as { id?: unknown } | undefined)?.id ?? '');

/** SAML's own routes under /sso: SP metadata, the ACS (form posts only) and the SLO return. */
export function samlRoutes(app: FastifyInstance, kit: SignInKit, deps: SamlRouteDeps): void {
  app.get<{ Params: { id: string } }>('/:id/metadata', { config: SSO_JSON }, async (req, reply) => {
    const c = await kit.connection(req.params.id);
    if (c.config.type !== 'saml') {
      throw new AppError('not_found', `The sign-in method '${req.params.id}' is not SAML.`);
    }
    const cfg = deps.configOf(c);
    return reply
      .header('content-type', 'application/samlmetadata+xml; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(spMetadataXml(serviceProvider(cfg, deps.urls), policyOf(cfg)));
  });

  // Form bodies are parsed in this context only: nowhere else under /sso takes them.
  void app.register(async (acs) => {
    acs.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: ACS_BODY_LIMIT },
      (_req, body, done) => done(null, parseForm(body as string)),
    );
    acs.post<{ Params: { id: string } }>(
      '/:id/acs',
      {
        config: SSO_PAGE,
        bodyLimit: ACS_BODY_LIMIT,
        // A body refused before the handler is still a sign-in refusal: page, audit, no cookie.
        errorHandler: (error: FastifyError, req, reply) => {
          const err =
            error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
              ? new SamlSignInError({
                  check: 'body_too_large',
                  message: `The POST to the ACS is larger than ${ACS_BODY_LIMIT} bytes; it was refused unread.`,
                })
              : fromFastify(error);
          return kit.fail(req, reply, idOf(req), err);
        },
      },
      (req, reply) => deps.acs(req, reply, req.params.id),
    );
  });

  app.get<{ Params: { id: string } }>('/:id/slo', { config: SSO_PAGE }, async (req, reply) => {
    const id = req.params.id;
    try {
      const c = await kit.connection(id);
      kit.protocolFor(c);
      const rawQuery = req.raw.url?.split('?')[1] ?? '';
      const encoded = new URLSearchParams(rawQuery).get('SAMLResponse');
      if (encoded === null) {
        throw new SamlSignInError({
          check: 'policy',
          message:
            'Gatehouse takes only LogoutResponses here; IdP-initiated logout is not supported.',
        });
      }
      // Inflated under the caps before anything else, to read which request it answers.
      const msg = inflateRedirectMessage(encoded);
      if (!msg.ok) throw new SamlSignInError(msg);
      const requestId = attr(msg.root, 'InResponseTo') ?? '';
      const conn = await deps.connectionOf(c);
      const v = validateLogoutResponse(conn, rawQuery, {
        expectedRequestId: requestId,
        now: deps.now(),
      });
      if (!v.ok) throw new SamlSignInError(v);
      const used = await deps.state.consumeRequest({
        requestId,
        connectionId: id,
        browserBinding: requestId,
      });
      if (!used.ok) {
        throw new SamlSignInError({
          check: 'in_response_to',
          message: `The logout response answers ${requestId}, which Gatehouse has no open logout request for.`,
        });
      }
      return reply.header('cache-control', 'no-store').redirect(POST_LOGOUT_PATH, 302);
    } catch (e) {
      return kit.fail(req, reply, id, e);
    }
  });
}
