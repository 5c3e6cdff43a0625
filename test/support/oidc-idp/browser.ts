/**
 * Plays the browser through an IdP's login: follows redirects by hand, keeps cookies per
 * origin (honouring Path, Max-Age and Expires), fills in the login form, consents, and stops at
 * the relying party's redirect URI, whose URL (with code, state, iss) it returns unvisited.
 */

interface Cookie {
  name: string;
  value: string;
  path: string;
  expiresAt: number | null;
}

export class SignInFailed extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(message);
    this.name = 'SignInFailed';
  }
}

export class TestBrowser {
  private readonly jar = new Map<string, Map<string, Cookie>>();

  private cookieHeader(url: URL): string | null {
    const cookies = this.jar.get(url.origin);
    if (!cookies) return null;
    const now = Date.now();
    const pairs: string[] = [];
    for (const c of cookies.values()) {
      if (c.expiresAt !== null && c.expiresAt <= now) continue;
      if (
        !(
          url.pathname === c.path ||
          url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`)
        )
      ) {
        continue;
      }
      pairs.push(`${c.name}=${c.value}`);
    }
    return pairs.length ? pairs.join('; ') : null;
  }

  private store(url: URL, res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const cookie: Cookie = {
        name: pair.slice(0, eq),
        value: pair.slice(eq + 1),
        path: '/',
        expiresAt: null,
      };
      for (const attr of attrs) {
        const [k = '', v = ''] = attr.split('=');
        const key = k.toLowerCase();
        if (key === 'path' && v) cookie.path = v;
        if (key === 'max-age') cookie.expiresAt = Date.now() + Number(v) * 1000;
        if (key === 'expires' && cookie.expiresAt === null) cookie.expiresAt = Date.parse(v);
      }
      let cookies = this.jar.get(url.origin);
      if (!cookies) {
        cookies = new Map();
        this.jar.set(url.origin, cookies);
      }
      const id = `${cookie.name};${cookie.path}`;
      if (cookie.expiresAt !== null && cookie.expiresAt <= Date.now()) cookies.delete(id);
      else cookies.set(id, cookie);
    }
  }

  async request(
    url: URL,
    init: { method?: string; form?: URLSearchParams } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = {};
    const cookie = this.cookieHeader(url);
    if (cookie) headers.cookie = cookie;
    if (init.form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(url, {
      method: init.method ?? 'GET',
      headers,
      redirect: 'manual',
      ...(init.form ? { body: init.form.toString() } : {}),
    });
    this.store(url, res);
    return res;
  }

  /**
   * Signs in at the IdP starting from the authorization URL; returns the callback URL the IdP
   * redirected to (not visited). Throws SignInFailed when the IdP shows an error or the login
   * form comes back (wrong password).
   */
  async signIn(
    authorizationUrl: string | URL,
    credentials: { username: string; password: string },
    redirectUri: string,
  ): Promise<URL> {
    let url = new URL(authorizationUrl);
    let method = 'GET';
    let form: URLSearchParams | undefined;
    let loginPosted = false;
    for (let hop = 0; hop < 20; hop += 1) {
      const res = await this.request(url, { method, ...(form ? { form } : {}) });
      if (res.status >= 300 && res.status < 400) {
        const location = res.headers.get('location');
        await res.body?.cancel();
        if (!location) throw new SignInFailed('redirect without Location', res.status, '');
        const next = new URL(location, url);
        if (next.href.startsWith(redirectUri)) return next;
        url = next;
        method = 'GET';
        form = undefined;
        continue;
      }
      const body = await res.text();
      if (res.status !== 200)
        throw new SignInFailed(`IdP answered ${res.status}`, res.status, body);
      const action = /<form[^>]*action="([^"]+)"/.exec(body)?.[1];
      if (!action) throw new SignInFailed('IdP page has no form', res.status, body);
      const target = new URL(action.replace(/&amp;/g, '&'), url);
      if (/name="password"/.test(body)) {
        if (loginPosted) throw new SignInFailed('login refused', res.status, body);
        loginPosted = true;
        form = new URLSearchParams({ login: credentials.username, password: credentials.password });
      } else {
        form = new URLSearchParams();
      }
      url = target;
      method = 'POST';
    }
    throw new SignInFailed('too many redirects', 0, '');
  }
}
