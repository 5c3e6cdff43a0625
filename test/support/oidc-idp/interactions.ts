import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import { passwordMatches, type TestAccount } from './accounts.js';

/**
 * The IdP's own login and consent pages, replacing oidc-provider's dev interactions (which accept
 * any password): the password is checked against the account, and consent is an explicit form.
 */

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
  });
  res.end(`<!doctype html><html><body>${body}</body></html>`);
}

function loginForm(uid: string, error: string | null): string {
  return `<h1>Sign in</h1>${error ? `<p class="error">${esc(error)}</p>` : ''}
<form method="post" action="/interaction/${esc(uid)}/login">
<input name="login" autocomplete="username"><input name="password" type="password">
<button type="submit">Sign in</button></form>`;
}

function consentForm(uid: string, client: string): string {
  return `<h1>Allow ${esc(client)}?</h1>
<form method="post" action="/interaction/${esc(uid)}/confirm"><button type="submit">Allow</button></form>`;
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

export interface InteractionDeps {
  provider: () => Provider;
  account: (username: string) => TestAccount | undefined;
  /** Failed password checks, for tests that want to see the check ran. */
  onLoginFailure: () => void;
}

/** Handles `/interaction/{uid}[/login|/confirm]`; returns false for other paths. */
export async function handleInteraction(
  deps: InteractionDeps,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<boolean> {
  const m = /^\/interaction\/([^/]+)(?:\/(login|confirm))?$/.exec(path);
  if (!m) return false;
  const provider = deps.provider();
  const details = await provider.interactionDetails(req, res);
  const uid = details.uid;
  const action = m[2];
  if (!action && req.method === 'GET') {
    if (details.prompt.name === 'login') page(res, 200, loginForm(uid, null));
    else page(res, 200, consentForm(uid, String(details.params.client_id)));
    return true;
  }
  if (action === 'login' && req.method === 'POST') {
    const form = await readForm(req);
    const account = deps.account(form.get('login') ?? '');
    if (!account || !passwordMatches(account, form.get('password') ?? '')) {
      deps.onLoginFailure();
      page(res, 200, loginForm(uid, 'Invalid username or password.'));
      return true;
    }
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: account.sub } },
      { mergeWithLastSubmission: false },
    );
    return true;
  }
  if (action === 'confirm' && req.method === 'POST') {
    await readForm(req);
    const accountId = details.session?.accountId;
    if (!accountId || details.prompt.name !== 'consent') {
      page(res, 400, '<p>Nothing to consent to.</p>');
      return true;
    }
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId, clientId: String(details.params.client_id) });
    if (!grant) throw new Error('grant vanished');
    const missing = details.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
    };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    const grantId = await grant.save();
    await provider.interactionFinished(
      req,
      res,
      { consent: { grantId } },
      { mergeWithLastSubmission: true },
    );
    return true;
  }
  page(res, 405, '<p>Method not allowed.</p>');
  return true;
}
