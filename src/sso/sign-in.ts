import type { FastifyReply, FastifyRequest } from 'fastify';
import { type CookiePolicy, setSessionCookies } from '../access/cookies.js';
import {
  LOGIN_STATE_COOKIE,
  LOGIN_STATE_COOKIE_PATH,
  type LoginState,
  type LoginStateStore,
  loginStateCookieOptions,
} from '../access/login-states.js';
import type { SessionStore } from '../access/sessions.js';
import { AppError, isAppError } from '../errors/catalogue.js';
import type { AuditInput } from '../identity/audit.js';
import type { ConnectionLookup, RegisteredConnection } from '../provisioning/connections.js';
import type { SignInService, VerifiedIdentity } from '../provisioning/types.js';
import { newReference, renderSignInErrorPage } from './error-page.js';
import { completeSignIn } from './login.js';
import { SsoError } from './oidc/errors.js';
import { isEnabled, type SsoProtocol, type StartInput } from './protocol.js';
import { safeReturnTo } from './return-to.js';
import type { SsoUrls } from './urls.js';

/**
 * The protocol-neutral half of every SSO sign-in, shared by OIDC and SAML: find the connection,
 * keep the login state in the database behind a cookie, turn a verified identity into a session,
 * and turn any refusal into the error page, an audit event and one log line — never a session
 * cookie.
 */
export interface SignInKitDeps {
  connections: ConnectionLookup;
  protocols: ReadonlyMap<string, SsoProtocol>;
  loginStates: LoginStateStore;
  signIn: SignInService;
  sessions: Pick<SessionStore, 'create'>;
  cookies: CookiePolicy;
  urls: SsoUrls;
  /** Writes an audit event outside any write scope (a refusal has nothing to commit). */
  audit(event: Omit<AuditInput, 'at'>): Promise<void>;
}

export interface CompleteOptions {
  returnTo: string;
  /** Kept (sealed) with the session for RP-initiated logout; null when the IdP offers none. */
  idToken: string | null;
  /** What went wrong without failing the sign-in (Graph, userinfo), for the log. */
  problems: readonly string[];
}

export interface SignInKit {
  readonly urls: SsoUrls;
  /** The connection by id, or a 404 refusal. */
  connection(id: string): Promise<RegisteredConnection>;
  /** The protocol that serves a connection, or a refusal when it is off or unknown. */
  protocolFor(c: RegisteredConnection): SsoProtocol;
  /** Starts a sign-in: login state stored, its cookie set, the browser sent to the IdP. */
  start(reply: FastifyReply, c: RegisteredConnection, o: StartInput): Promise<FastifyReply>;
  /** The login state this browser started for the connection (single use); clears its cookie. */
  takeLoginState(
    request: FastifyRequest,
    reply: FastifyReply,
    c: RegisteredConnection,
  ): Promise<LoginState>;
  /** Signs the verified person in: pipeline, session, cookies, redirect. */
  complete(
    request: FastifyRequest,
    reply: FastifyReply,
    c: RegisteredConnection,
    identity: Omit<VerifiedIdentity, 'connection'>,
    o: CompleteOptions,
  ): Promise<FastifyReply>;
  /** Any refusal: error page, audit event (unless the pipeline wrote it), one log line. */
  fail(
    request: FastifyRequest,
    reply: FastifyReply,
    connectionId: string,
    err: unknown,
  ): Promise<FastifyReply>;
}

/** A refusal from the sign-in pipeline, which has already written its audit event. */
class PipelineRefusal extends Error {
  constructor(
    readonly error: AppError,
    readonly reference: string,
  ) {
    super(error.message);
    this.name = 'PipelineRefusal';
  }
}

const LOGIN_STATE_REASONS = {
  unknown: 'login_state_missing',
  expired: 'login_state_expired',
  wrong_connection: 'login_state_wrong_connection',
} as const;

/** Refusals worth a "Try again" link: starting over can succeed. */
const RETRYABLE = new Set([
  'login_state_missing',
  'login_state_expired',
  'login_state_wrong_connection',
  'idp_unavailable',
  'state_mismatch',
  'code_rejected',
  'access_denied',
  'id_token_expired',
  'id_token_not_yet_valid',
  // SAML checks a fresh sign-in can pass: a stale or misdirected response, a slow browser.
  'in_response_to',
  'unsolicited',
  'expired',
]);

function explain(err: unknown): {
  reason: string;
  detail: string | null;
  status: number;
  message: string;
} {
  if (isAppError(err)) {
    const withReason = err as AppError & { reason?: unknown; detail?: unknown };
    return {
      reason: typeof withReason.reason === 'string' ? withReason.reason : err.code,
      detail: typeof withReason.detail === 'string' ? withReason.detail : null,
      status: err.status,
      message: err.message,
    };
  }
  return {
    reason: 'internal_error',
    detail: null,
    status: 500,
    message: 'Something went wrong in Gatehouse while signing you in. Try again in a moment.',
  };
}

export function signInKit(deps: SignInKitDeps): SignInKit {
  const { urls } = deps;

  const kit: SignInKit = {
    urls,

    async connection(id) {
      const c = await deps.connections.get(id);
      if (!c) throw new AppError('not_found', `There is no sign-in method '${id}'.`);
      return c;
    },

    protocolFor(c) {
      if (!isEnabled(c.config)) throw new SsoError('connection_disabled');
      const p = deps.protocols.get(c.config.type);
      if (!p) throw new SsoError('protocol_unsupported', `no ${c.config.type} protocol installed`);
      return p;
    },

    async start(reply, c, o) {
      const { url, data } = await kit.protocolFor(c).start(c, o);
      const { handle } = await deps.loginStates.create({
        connectionId: c.config.id,
        returnTo: safeReturnTo(o.returnTo),
        data,
      });
      void reply.setCookie(
        LOGIN_STATE_COOKIE,
        handle,
        loginStateCookieOptions(data.protocol, deps.cookies.secure),
      );
      return reply.header('cache-control', 'no-store').redirect(url, 302);
    },

    async takeLoginState(request, reply, c) {
      const handle = request.cookies[LOGIN_STATE_COOKIE];
      void reply.clearCookie(LOGIN_STATE_COOKIE, { path: LOGIN_STATE_COOKIE_PATH });
      const r = await deps.loginStates.consume(handle, c.config.id);
      if (!r.ok) throw new SsoError(LOGIN_STATE_REASONS[r.reason]);
      return r.state;
    },

    async complete(request, reply, c, identity, o) {
      const reference = newReference();
      let result: Awaited<ReturnType<typeof completeSignIn>>;
      try {
        result = await completeSignIn(deps.signIn, c.config, identity, {
          ip: request.ip,
          requestId: request.id,
          reference,
        });
      } catch (e) {
        if (isAppError(e)) throw new PipelineRefusal(e, reference);
        throw e;
      }
      const session = await deps.sessions.create(result.user.id, `sso:${c.config.id}`, {
        ip: request.ip,
        userAgent: request.headers['user-agent'],
        idToken: o.idToken,
      });
      if (o.problems.length > 0) {
        request.log.warn(
          { connection: c.config.id, user: result.user.id, problems: o.problems },
          'sso sign-in completed with incomplete IdP data',
        );
      }
      request.log.info(
        { connection: c.config.id, user: result.user.id, created: result.created },
        'sso sign-in succeeded',
      );
      setSessionCookies(reply, deps.cookies, session.secret, session.csrf);
      return reply.header('cache-control', 'no-store').redirect(safeReturnTo(o.returnTo), 302);
    },

    async fail(request, reply, connectionId, err) {
      const refusal = err instanceof PipelineRefusal ? err : null;
      const reference = refusal?.reference ?? newReference();
      const d = explain(refusal?.error ?? err);
      // Unknown connections are not sign-in attempts of anyone's: logged, not audited.
      const c = d.reason === 'not_found' ? null : await deps.connections.get(connectionId);
      const line = { connection: connectionId, reason: d.reason, detail: d.detail, reference };
      if (d.status >= 500 && d.reason === 'internal_error') {
        request.log.error({ ...line, err }, 'sso sign-in failed');
      } else {
        request.log.warn(line, 'sso sign-in failed');
      }
      if (c && !refusal) {
        await deps.audit({
          actor: {
            type: 'sso',
            id: `sso:${connectionId}`,
            ip: request.ip,
            requestId: request.id,
          },
          action: 'auth.login_failed',
          targetType: 'user',
          targetId: null,
          after: {
            method: `sso:${connectionId}`,
            reason: d.reason,
            ...(d.detail ? { detail: d.detail } : {}),
            reference,
          },
        });
      }
      const page = renderSignInErrorPage(
        {
          message: d.message,
          reference,
          connectionName: c?.config.display_name ?? c?.config.id ?? null,
          retryUrl: c && RETRYABLE.has(d.reason) ? urls.loginPath(c.config.id) : null,
        },
        d.status,
      );
      void reply.clearCookie(LOGIN_STATE_COOKIE, { path: LOGIN_STATE_COOKIE_PATH });
      return reply.status(page.status).headers(page.headers).send(page.body);
    },
  };
  return kit;
}
