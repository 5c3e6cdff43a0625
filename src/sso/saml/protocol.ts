import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LoginState } from '../../access/login-states.js';
import type { SamlStateStore } from '../../access/saml-state.js';
import type { ConnectionConfig } from '../../config/schema.js';
import type { RegisteredConnection } from '../../provisioning/connections.js';
import { completeEntraGroups, type EntraGroupLookup } from '../oidc/claims.js';
import { isSsoError, SsoError } from '../oidc/errors.js';
import type { SsoProtocol } from '../protocol.js';
import { DEFAULT_RETURN_TO, safeReturnTo } from '../return-to.js';
import type { SignInKit } from '../sign-in.js';
import type { SsoUrls } from '../urls.js';
import { acceptSamlResponse } from './acs.js';
import { buildAuthnRequest } from './authn-request.js';
import { SamlSignInError } from './errors.js';
import type { IdpSource, ResolvedIdp } from './idp-source.js';
import { buildLogoutRequest } from './logout.js';
import { samlRoutes } from './routes.js';
import {
  mappingOf,
  type SamlConnectionConfig,
  samlConfig,
  samlConnection,
  spKeys,
  spUrls,
} from './settings.js';
import { samlTestConnection } from './test-connection.js';
import type { SamlConnection } from './types.js';

export interface SamlProtocolDeps {
  urls: SsoUrls;
  publicUrlConfigured: boolean;
  state: SamlStateStore;
  idps: IdpSource;
  now: () => Date;
  entraGroupsFor(c: ConnectionConfig): EntraGroupLookup | null;
}

/** How long a started sign-in may stay at the IdP, as the login state cookie allows. */
const REQUEST_TTL_MS = 10 * 60_000;

/** What the session keeps for single logout (sealed, in the slot OIDC uses for its id_token). */
interface SloHandle {
  nameId: {
    value: string;
    format: string | null;
    nameQualifier: string | null;
    spNameQualifier: string | null;
  };
  sessionIndex: string | null;
}

const SIGNATURE_CHECKS = new Set(['signature', 'response_signature', 'assertion_signature']);

export function samlProtocol(deps: SamlProtocolDeps): SsoProtocol {
  const { urls, idps, state } = deps;

  const configOf = (c: RegisteredConnection): SamlConnectionConfig => {
    const cfg = samlConfig(c);
    if (!cfg) throw new SsoError('protocol_unsupported', 'not a SAML connection');
    return cfg;
  };

  async function resolveIdp(cfg: SamlConnectionConfig): Promise<ResolvedIdp> {
    const r = await idps.resolve(cfg);
    if (!r.ok) throw new SsoError('connection_misconfigured', `IdP: ${r.message}`);
    return r.resolved;
  }

  async function connectionOf(c: RegisteredConnection): Promise<SamlConnection> {
    const cfg = configOf(c);
    return samlConnection(cfg, (await resolveIdp(cfg)).idp, urls);
  }

  /** The login state of this browser, or null when it has none for this connection. */
  async function loginStateOf(
    kit: SignInKit,
    request: FastifyRequest,
    reply: FastifyReply,
    c: RegisteredConnection,
  ): Promise<LoginState | null> {
    try {
      return await kit.takeLoginState(request, reply, c);
    } catch (e) {
      // No state is not yet a refusal: the response may be IdP-initiated. The core decides.
      if (isSsoError(e) && e.reason.startsWith('login_state_')) return null;
      throw e;
    }
  }

  async function acs(
    kit: SignInKit,
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
  ): Promise<FastifyReply> {
    try {
      const c = await kit.connection(id);
      kit.protocolFor(c);
      const cfg = configOf(c);
      const body = (request.body ?? {}) as Record<string, unknown>;
      const relayState = typeof body.RelayState === 'string' ? body.RelayState : '';
      const login = await loginStateOf(kit, request, reply, c);
      const resolved = await resolveIdp(cfg);
      const conn = samlConnection(cfg, resolved.idp, urls);
      // The request ids a browser's own login state names are the only ones it can finish.
      const binding =
        login?.data.protocol === 'saml'
          ? login.data.requestId
          : randomBytes(24).toString('base64url');
      // The request is used up once; a second validation (after a rollover) reuses the answer.
      let used: Awaited<ReturnType<SamlStateStore['consumeRequest']>> | null = null;
      const validate = (against: SamlConnection) =>
        acceptSamlResponse(against, mappingOf(cfg, against.idp.entityId), body.SAMLResponse, {
          consumeRequest: async (requestId) => {
            used ??= await state.consumeRequest({
              requestId,
              connectionId: id,
              browserBinding: binding,
            });
            return used;
          },
          replay: state.replayCache(id),
          now: deps.now(),
        });
      let r = await validate(conn);
      if (!r.ok && SIGNATURE_CHECKS.has(r.check)) {
        // Perhaps the IdP rolled its certificate over: refetch (hourly at most) and try once more.
        const renewed = await idps.refreshAfterSignatureFailure(cfg);
        if (renewed) r = await validate(samlConnection(cfg, renewed.idp, urls));
      }
      if (!r.ok) {
        throw new SamlSignInError(r);
      }
      // RelayState is never a redirect target except a relative UI path; anything else is an attack.
      if (relayState !== '' && safeReturnTo(relayState) !== relayState) {
        throw new SamlSignInError({
          check: 'relay_state',
          message:
            'The RelayState is not a relative Gatehouse path; Gatehouse redirects only within itself after sign-in.',
        });
      }
      const returnTo = login?.returnTo ?? (relayState !== '' ? relayState : DEFAULT_RETURN_TO);

      const lookup = r.identity.subject.includes(':') ? deps.entraGroupsFor(c.config) : null;
      const [tenantId, objectId] = r.identity.subject.split(':');
      const entra =
        lookup && tenantId && objectId && (r.overage || r.identity.groups.some((g) => g.id))
          ? {
              tenantId,
              objectId,
              tokenGroupIds: r.overage
                ? null
                : r.identity.groups.flatMap((g) => (g.id ? [g.id] : [])),
            }
          : null;
      const done = await completeEntraGroups({ identity: r.identity, entra }, lookup);

      const slo: SloHandle | null =
        conn.idp.sloUrl && conn.sp.signingKeys.length > 0 && r.assertion.nameId
          ? { nameId: r.assertion.nameId, sessionIndex: r.assertion.sessionIndex }
          : null;
      return await kit.complete(request, reply, c, done.identity, {
        returnTo,
        idToken: slo ? JSON.stringify(slo) : null,
        problems: done.problems,
      });
    } catch (e) {
      return kit.fail(request, reply, id, e);
    }
  }

  return {
    type: 'saml',

    endpoints(c): Record<string, string> {
      const cfg = samlConfig(c);
      if (!cfg) return {};
      const u = spUrls(cfg, urls);
      return {
        acs_url: u.acsUrl,
        entity_id: u.entityId,
        metadata_url: u.metadataUrl,
        // Single logout needs a key to sign LogoutRequests with.
        ...(spKeys(cfg).length > 0 ? { slo_url: u.sloUrl } : {}),
      };
    },

    async start(c) {
      const conn = await connectionOf(c);
      if (conn.policy.signAuthnRequests && conn.sp.signingKeys.length === 0) {
        throw new SsoError(
          'connection_misconfigured',
          'sign_authn_requests is on, but the connection has no SP key',
        );
      }
      const { url, requestId } = await buildAuthnRequest(conn);
      await state.saveRequest({
        requestId,
        connectionId: c.config.id,
        browserBinding: requestId,
        ttlMs: REQUEST_TTL_MS,
      });
      return { url, data: { protocol: 'saml', requestId } };
    },

    test(c) {
      return samlTestConnection(configOf(c), {
        urls,
        idps,
        publicUrlConfigured: deps.publicUrlConfigured,
        now: deps.now(),
      });
    },

    async logoutUrl(c, handle) {
      if (!handle) return null;
      let slo: SloHandle;
      try {
        slo = JSON.parse(handle) as SloHandle;
      } catch {
        return null;
      }
      const conn = await connectionOf(c);
      const r = await buildLogoutRequest(conn, slo);
      if (!r.ok) return null;
      // The LogoutResponse must answer this request; it is bound to nothing but its own id.
      await state.saveRequest({
        requestId: r.requestId,
        connectionId: c.config.id,
        browserBinding: r.requestId,
        ttlMs: REQUEST_TTL_MS,
      });
      return r.url;
    },

    forget: (id) => idps.forget(id),

    routes(app, kit) {
      samlRoutes(app, kit, {
        acs: (req, reply, id) => acs(kit, req, reply, id),
        connectionOf,
        configOf,
        state,
        urls,
        now: deps.now,
      });
    },
  };
}
