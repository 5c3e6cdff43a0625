import type { DiscoveryCache } from './discovery.js';
import { isSsoError } from './errors.js';
import type { JwksCache } from './jwks.js';
import { isLoopbackHttp, type OidcSettings } from './settings.js';

/**
 * "Test connection": what an admin runs after setting up a connection. Each check is a sentence
 * saying what was found and, when it is not ok, what to change.
 */
export interface ConnectionCheck {
  check: string;
  status: 'ok' | 'warning' | 'error';
  message: string;
}

const KTY: Record<string, string> = { RS: 'RSA', PS: 'RSA', ES: 'EC', Ed: 'OKP' };

export async function testOidcConnection(
  deps: { discovery: DiscoveryCache; keys: JwksCache },
  s: OidcSettings,
  o: { publicUrl: string | null; callbackPath: string },
): Promise<ConnectionCheck[]> {
  const checks: ConnectionCheck[] = [];
  const add = (check: string, status: ConnectionCheck['status'], message: string) =>
    checks.push({ check, status, message });

  if (!s.enabled)
    add('enabled', 'warning', 'The connection is disabled: nobody can sign in with it.');

  // Redirect URI, from the public URL.
  if (!o.publicUrl) {
    add(
      'redirect_uri',
      'error',
      'GATEHOUSE_PUBLIC_URL is not set, so the redirect URI cannot be built; set it to the URL people use to reach Gatehouse.',
    );
  } else {
    const redirect = `${o.publicUrl.replace(/\/+$/, '')}${o.callbackPath}`;
    if (!/^https:\/\//.test(redirect) && !isLoopbackHttp(redirect)) {
      add(
        'redirect_uri',
        'warning',
        `The redirect URI ${redirect} is not https; IdPs refuse or warn about plain http.`,
      );
    } else {
      add('redirect_uri', 'ok', `Register ${redirect} as the redirect (sign-in) URI at the IdP.`);
    }
  }

  // Credentials.
  if (s.tokenAuth === 'private_key_jwt' ? !s.privateKey : !s.clientSecret) {
    add(
      'credentials',
      'error',
      s.tokenAuth === 'private_key_jwt'
        ? 'token_auth is private_key_jwt but no private_key is set.'
        : `token_auth is ${s.tokenAuth} but no client_secret is set.`,
    );
  }

  // Discovery.
  let meta: ReturnType<Awaited<ReturnType<DiscoveryCache['configuration']>>['serverMetadata']>;
  try {
    meta = (await deps.discovery.configuration(s)).serverMetadata();
  } catch (e) {
    const why = isSsoError(e) ? (e.detail ?? e.message) : (e as Error).message;
    add(
      'discovery',
      'error',
      `Discovery at ${s.issuer}/.well-known/openid-configuration failed: ${why}.`,
    );
    return checks;
  }
  add('discovery', 'ok', `Discovery document found; issuer ${meta.issuer}.`);

  if (s.multiTenant) {
    add(
      'tenants',
      s.allowedTenants?.length ? 'ok' : 'error',
      s.allowedTenants?.length
        ? `Multi-tenant issuer: only ${s.allowedTenants.length} listed tenant(s) may sign in.`
        : 'Multi-tenant issuer without allowed_tenants: every Entra tenant could sign in.',
    );
  }

  const algs = meta.id_token_signing_alg_values_supported;
  if (algs && !algs.includes(s.alg)) {
    add(
      'id_token_alg',
      'error',
      `The IdP signs id_tokens with ${algs.join(', ')}, not ${s.alg}; set id_token_alg to one of them.`,
    );
  } else {
    add('id_token_alg', 'ok', `id_tokens must be signed with ${s.alg}.`);
  }

  const authMethods = meta.token_endpoint_auth_methods_supported;
  if (authMethods && !authMethods.includes(s.tokenAuth)) {
    add(
      'token_auth',
      'error',
      `The IdP accepts ${authMethods.join(', ')} at its token endpoint, not ${s.tokenAuth}.`,
    );
  } else {
    add('token_auth', 'ok', `The client authenticates with ${s.tokenAuth}.`);
  }

  const pkce = meta.code_challenge_methods_supported;
  if (pkce && !pkce.includes('S256')) {
    add('pkce', 'error', 'The IdP does not support PKCE with S256, which Gatehouse always uses.');
  }
  add(
    'iss_parameter',
    'ok',
    meta.authorization_response_iss_parameter_supported
      ? 'The IdP sends the iss parameter (RFC 9207); Gatehouse requires and checks it.'
      : 'The IdP does not advertise the iss parameter; Gatehouse checks the id_token issuer.',
  );

  // Keys.
  if (!meta.jwks_uri) {
    add(
      'jwks',
      'error',
      'The discovery document names no jwks_uri, so id_token signatures cannot be checked.',
    );
  } else {
    try {
      const st = await deps.keys.load(meta.jwks_uri);
      const kty = KTY[s.alg.slice(0, 2)];
      add(
        'jwks',
        st.keys > 0 ? 'ok' : 'error',
        st.keys > 0
          ? `${st.keys} signing key(s) published at ${meta.jwks_uri}.`
          : `No keys are published at ${meta.jwks_uri}.`,
      );
      if (st.keys > 0 && kty) {
        const res = deps.keys.keyTypes(meta.jwks_uri);
        if (res && !res.includes(kty)) {
          add('jwks', 'error', `No published key fits ${s.alg} (needs a ${kty} key).`);
        }
      }
    } catch (e) {
      add(
        'jwks',
        'error',
        `The IdP's keys could not be read: ${isSsoError(e) ? (e.detail ?? e.message) : (e as Error).message}.`,
      );
    }
  }

  // Scopes and claims.
  const scopes = new Set(s.scopes);
  const wantScope = (scope: string, why: string) => {
    if (!scopes.has(scope)) add('scopes', 'warning', `Scope ${scope} is not requested: ${why}.`);
  };
  if (s.claims.email === 'email') wantScope('email', 'the IdP may not release the email claim');
  if (s.provider === 'entra')
    wantScope('profile', 'Entra releases oid, name and preferred_username only with profile');
  if (s.provider === 'okta' && s.claims.groups === 'groups') {
    wantScope(
      'groups',
      'Okta releases the groups claim with the groups scope (or an "Always" claim)',
    );
  }
  if (!checks.some((c) => c.check === 'scopes'))
    add('scopes', 'ok', `Scopes requested: ${s.scopes.join(' ')}.`);

  const supported = meta.claims_supported;
  if (supported && s.provider !== 'entra') {
    for (const [what, name] of Object.entries(s.claims)) {
      if (!supported.includes(name)) {
        add(
          'claims',
          'warning',
          `The IdP does not list the ${what} claim "${name}" in claims_supported; check the claim name.`,
        );
      }
    }
  }
  if (!checks.some((c) => c.check === 'claims')) {
    add(
      'claims',
      'ok',
      `Claims read: email "${s.claims.email}", name "${s.claims.name}", groups "${s.claims.groups}", roles "${s.claims.roles}".`,
    );
  }
  if (!meta.userinfo_endpoint && s.provider !== 'entra') {
    add('userinfo', 'warning', 'No userinfo endpoint: groups and email must be in the id_token.');
  }
  add(
    'logout',
    'ok',
    meta.end_session_endpoint
      ? 'The IdP offers RP-initiated logout; signing out of Gatehouse also ends the IdP session.'
      : 'The IdP offers no end_session_endpoint; signing out ends only the Gatehouse session.',
  );
  return checks;
}
