/**
 * The URLs of a connection's sign-in. Each connection answers `/sso/{id}/login` and
 * `/sso/{id}/callback`; the one built from LiteLLM's environment also answers LiteLLM's own
 * `/sso/key/generate` and `/sso/callback`, and those are its primary URLs, because they are the
 * ones already registered at the IdP.
 */
export type CallbackRoute = 'own' | 'litellm';

export const LITELLM_LOGIN = '/sso/key/generate';
export const LITELLM_CALLBACK = '/sso/callback';

export interface SsoUrls {
  readonly publicUrl: string;
  /** The route a sign-in of this connection uses unless told otherwise. */
  primaryRoute(id: string): CallbackRoute;
  loginPath(id: string, route?: CallbackRoute): string;
  callbackPath(id: string, route?: CallbackRoute): string;
  absolute(path: string): string;
}

export function ssoUrls(publicUrl: string, litellmConnection: string | null): SsoUrls {
  const base = publicUrl.replace(/\/+$/, '');
  const primaryRoute = (id: string): CallbackRoute =>
    id === litellmConnection ? 'litellm' : 'own';
  const segment = (id: string) => encodeURIComponent(id);
  return {
    publicUrl: base,
    primaryRoute,
    loginPath: (id, route = primaryRoute(id)) =>
      route === 'litellm' ? LITELLM_LOGIN : `/sso/${segment(id)}/login`,
    callbackPath: (id, route = primaryRoute(id)) =>
      route === 'litellm' ? LITELLM_CALLBACK : `/sso/${segment(id)}/callback`,
    absolute: (path) => `${base}${path}`,
  };
}
