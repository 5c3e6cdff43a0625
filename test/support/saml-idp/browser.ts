/**
 * Drives SimpleSAMLphp over HTTP the way a browser does: follows redirects, keeps cookies,
 * fills in the login form, and stops at the auto-submitting form that would POST the
 * SAMLResponse to the SP's ACS.
 */

export interface PostedResponse {
  /** Where the IdP's form posts to (the ACS URL it chose). */
  action: string;
  SAMLResponse: string;
  RelayState: string | null;
}

export class LoginFailed extends Error {}

const decodeEntities = (s: string): string =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#0?39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(Number.parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number.parseInt(d, 10)))
    .replace(/&amp;/g, '&');

function inputValue(html: string, name: string): string | null {
  for (const tag of html.match(/<input\b[^>]*>/gi) ?? []) {
    const n = /\bname\s*=\s*"([^"]*)"/i.exec(tag)?.[1];
    if (n !== name) continue;
    const v = /\bvalue\s*=\s*"([^"]*)"/i.exec(tag)?.[1];
    return v === undefined ? '' : decodeEntities(v);
  }
  return null;
}

function formAction(html: string): string | null {
  const a = /<form\b[^>]*\baction\s*=\s*"([^"]*)"/i.exec(html)?.[1];
  return a === undefined ? null : decodeEntities(a);
}

export class Browser {
  private readonly cookies = new Map<string, string>();

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private remember(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair?.indexOf('=') ?? -1;
      if (!pair || eq < 1) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || value === 'deleted') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  /** One request; redirects followed by hand so every hop's cookies are kept. */
  async request(
    url: string,
    init: { method?: 'GET' | 'POST'; form?: Record<string, string> } = {},
  ): Promise<{ url: string; status: number; body: string; location?: string }> {
    const origin = new URL(url).origin;
    let current = url;
    let method = init.method ?? 'GET';
    let body: string | undefined = init.form
      ? new URLSearchParams(init.form).toString()
      : undefined;
    for (let hop = 0; hop < 20; hop++) {
      const headers: Record<string, string> = {};
      const cookie = this.cookieHeader();
      if (cookie) headers.cookie = cookie;
      if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
      const res = await fetch(current, { method, headers, body, redirect: 'manual' });
      this.remember(res);
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        await res.arrayBuffer();
        const next = new URL(location, current);
        // A redirect off the IdP (to the SP's logout URL, say) is where the browser would leave.
        if (next.origin !== origin)
          return { url: current, status: res.status, body: '', location: next.toString() };
        current = next.toString();
        method = 'GET';
        body = undefined;
        continue;
      }
      return { url: current, status: res.status, body: await res.text() };
    }
    throw new Error(`too many redirects from ${url}`);
  }

  /**
   * Completes a login that starts at `startUrl` (the SP's AuthnRequest redirect, or the IdP's
   * IdP-initiated URL) and returns what the IdP would POST to the SP.
   */
  async login(startUrl: string, username: string, password: string): Promise<PostedResponse> {
    let page = await this.request(startUrl);
    const authState = inputValue(page.body, 'AuthState');
    if (authState !== null) {
      page = await this.request(page.url, {
        method: 'POST',
        form: { username, password, AuthState: authState },
      });
    }
    return this.postedResponse(page);
  }

  /** Reads the IdP's auto-post form; throws LoginFailed with the page text when there is none. */
  postedResponse(page: { url: string; status: number; body: string }): PostedResponse {
    const samlResponse = inputValue(page.body, 'SAMLResponse');
    const action = formAction(page.body);
    if (samlResponse === null || action === null) {
      if (inputValue(page.body, 'AuthState') !== null) {
        throw new LoginFailed('the IdP showed its login form again (wrong password?)');
      }
      const text = page.body
        .replace(/<[^>]+>/g, ' ')
        .replace(/\s+/g, ' ')
        .slice(0, 3000);
      throw new LoginFailed(
        `no SAMLResponse form (${page.status}): ${text} [at ${page.url.split('?')[0]}]`,
      );
    }
    return { action, SAMLResponse: samlResponse, RelayState: inputValue(page.body, 'RelayState') };
  }
}

/** A fresh browser logs in once: the usual case in tests. */
export function loginAt(
  startUrl: string,
  username: string,
  password: string,
): Promise<PostedResponse> {
  return new Browser().login(startUrl, username, password);
}
