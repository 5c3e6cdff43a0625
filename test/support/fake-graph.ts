import { randomBytes, randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback Microsoft Graph (v1.0) and Entra token endpoint for tests, speaking Graph's
 * documented wire format: client-credentials tokens, `@odata.nextLink` paging with an opaque
 * `$skiptoken`, `$select`/`$top`, 429 + `Retry-After`, Graph error bodies. The directory
 * (groups, users, nesting, app assignments) is plain in-memory state that tests mutate.
 */
export interface FakeGraph {
  /** e.g. http://127.0.0.1:PORT/v1.0 */
  baseUrl: string;
  /** e.g. http://127.0.0.1:PORT (token endpoint at /{tenant}/oauth2/v2.0/token) */
  authorityHost: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  addGroup(id: string, displayName: string): void;
  renameGroup(id: string, displayName: string): void;
  /** Deletes the group with its memberships, nesting and app assignments. */
  removeGroup(id: string): void;
  /** A user known to the directory (so transitiveMemberOf answers 200, maybe with no groups). */
  addUser(userOid: string, displayName?: string): void;
  /** Direct membership; creates the user if needed. */
  addMember(groupId: string, userOid: string): void;
  removeMember(groupId: string, userOid: string): void;
  /** Members of `childId` become transitive members of `parentId`. */
  nestGroup(parentId: string, childId: string): void;
  /** An appRoleAssignedTo entry with principalType Group (another appRoleId → another entry). */
  assignToApp(servicePrincipalId: string, groupId: string, appRoleId?: string): void;
  unassignFromApp(servicePrincipalId: string, groupId: string): void;
  /** An appRoleAssignedTo entry with principalType User. */
  assignUserToApp(servicePrincipalId: string, userOid: string): void;
  /** Page size without `$top` (default 100). Once a test sets it, also the cap on `$top`. */
  pageSize: number;
  /** Lifetime of tokens the token endpoint issues (default 3599). */
  tokenLifetimeSeconds: number;
  /** The next n Graph requests answer 429, with `Retry-After` (default 1) unless null. */
  throttleNext(n: number, retryAfterSeconds?: number | null): void;
  /** The next n Graph requests answer `status` with a Graph error body. */
  failNext(n: number, status: number): void;
  /** The next list page carries this `@odata.nextLink` instead of the real one. */
  hostileNextLink(url: string): void;
  /** Every token issued so far stops working (as after expiry or revocation). */
  revokeTokens(): void;
  /** A valid token as if delegated by a signed-in user; not counted in `tokensIssued`. */
  issueDelegatedToken(): string;
  /** Every request received (token endpoint included), oldest first. */
  requests: {
    method: string;
    url: string;
    authorization: string | undefined;
    headers: IncomingHttpHeaders;
  }[];
  tokensIssued: number;
  /** The `scope` of every successful token request. */
  tokenScopes: string[];
  close(): Promise<void>;
}

interface Assignment {
  id: string;
  appRoleId: string;
  principalId: string;
  principalType: 'Group' | 'User';
  createdDateTime: string;
}

type Item = Record<string, unknown>;

class GraphHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const DEFAULT_APP_ROLE = '00000000-0000-0000-0000-000000000000';

export async function startFakeGraph(
  opts: { tenantId?: string; clientId?: string; clientSecret?: string } = {},
): Promise<FakeGraph> {
  const groups = new Map<string, string>();
  const users = new Map<string, string>();
  const direct = new Map<string, Set<string>>(); // group → users
  const nested = new Map<string, Set<string>>(); // parent → child groups
  const assignments = new Map<string, Assignment[]>(); // service principal → entries
  const tokens = new Map<string, number>(); // token → expiry (epoch ms)
  const cursors = new Map<string, { path: string; offset: number }>();
  let throttle = { n: 0, retryAfter: 1 as number | null };
  let failure = { n: 0, status: 500 };
  let hostile: string | null = null;
  let pageSize = 100;
  let pageSizeSet = false;

  const mint = (): string => {
    const token = `fake.${randomBytes(24).toString('base64url')}`;
    tokens.set(token, Date.now() + fake.tokenLifetimeSeconds * 1000);
    return token;
  };

  const transitiveGroups = (oid: string): string[] => {
    const found = new Set<string>();
    const queue = [...direct].filter(([, members]) => members.has(oid)).map(([g]) => g);
    while (queue.length > 0) {
      const g = queue.pop() as string;
      if (found.has(g)) continue;
      found.add(g);
      for (const [parent, kids] of nested) if (kids.has(g)) queue.push(parent);
    }
    return [...groups.keys()].filter((g) => found.has(g));
  };

  const groupJson = (id: string): Item => ({
    '@odata.type': '#microsoft.graph.group',
    id,
    deletedDateTime: null,
    description: null,
    displayName: groups.get(id) ?? null,
    groupTypes: [],
    mail: null,
    mailEnabled: false,
    securityEnabled: true,
  });

  const assignmentJson = (spId: string, a: Assignment): Item => ({
    id: a.id,
    deletedDateTime: null,
    appRoleId: a.appRoleId,
    createdDateTime: a.createdDateTime,
    principalDisplayName:
      (a.principalType === 'Group' ? groups.get(a.principalId) : users.get(a.principalId)) ?? null,
    principalId: a.principalId,
    principalType: a.principalType,
    resourceDisplayName: 'Gatehouse',
    resourceId: spId,
  });

  const project = (item: Item, select: string[] | null, keepType: boolean): Item => {
    if (!select) return item;
    const out: Item = {};
    if (keepType && item['@odata.type'] !== undefined) out['@odata.type'] = item['@odata.type'];
    for (const key of select) if (key in item) out[key] = item[key];
    return out;
  };

  const parseQuery = (url: URL) => {
    const selectRaw = url.searchParams.get('$select');
    const select = selectRaw ? selectRaw.split(',').map((s) => s.trim()) : null;
    const topRaw = url.searchParams.get('$top');
    let top: number | null = null;
    if (topRaw !== null) {
      top = Number(topRaw);
      if (!/^\d+$/.test(topRaw) || top < 1 || top > 999) {
        throw new GraphHttpError(400, 'Request_UnsupportedQuery', 'Invalid page size specified.');
      }
    }
    return { select, selectRaw, top, skiptoken: url.searchParams.get('$skiptoken') };
  };

  const page = (url: URL, path: string, all: Item[], context: string): Item => {
    const q = parseQuery(url);
    const size =
      q.top === null ? Math.max(1, pageSize) : Math.min(q.top, pageSizeSet ? pageSize : 999);
    let offset = 0;
    if (q.skiptoken !== null) {
      const cursor = cursors.get(q.skiptoken);
      if (!cursor || cursor.path !== path) {
        throw new GraphHttpError(400, 'Directory_ExpiredPageToken', 'The page token is invalid.');
      }
      offset = cursor.offset;
    }
    const items = all.slice(offset, offset + size).map((i) => project(i, q.select, true));
    const body: Item = { '@odata.context': context, value: items };
    if (offset + size < all.length) {
      const skiptoken = randomBytes(18).toString('base64url');
      cursors.set(skiptoken, { path, offset: offset + size });
      const params = [
        q.selectRaw ? `$select=${encodeURIComponent(q.selectRaw)}` : null,
        q.top !== null ? `$top=${q.top}` : null,
        `$skiptoken=${skiptoken}`,
      ].filter((p) => p !== null);
      body['@odata.nextLink'] = `${fake.baseUrl}/${path}?${params.join('&')}`;
    }
    if (hostile !== null) {
      body['@odata.nextLink'] = hostile;
      hostile = null;
    }
    return body;
  };

  const notFound = (id: string) =>
    new GraphHttpError(
      404,
      'Request_ResourceNotFound',
      `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
    );

  const graph = async (req: IncomingMessage, url: URL): Promise<[number, Item]> => {
    const rest = url.pathname.slice('/v1.0/'.length);
    const seg = rest.split('/').map((s) => decodeURIComponent(s));
    const meta = `${fake.baseUrl}/$metadata`;
    const method = req.method ?? 'GET';
    const [a, id, b, c] = seg;
    if (a === 'users' && id && b === 'transitiveMemberOf' && seg.length <= 4 && method === 'GET') {
      if (!users.has(id)) throw notFound(id);
      if (c !== undefined && c !== 'microsoft.graph.group') {
        throw new GraphHttpError(400, 'BadRequest', `Resource not found for the segment '${c}'.`);
      }
      const all = transitiveGroups(id).map(groupJson);
      const sel = url.searchParams.get('$select');
      return [200, page(url, rest, all, `${meta}#${c ? 'groups' : 'directoryObjects'}(${sel})`)];
    }
    if (a === 'users' && id && b === 'getMemberObjects' && seg.length === 3 && method === 'POST') {
      if (!users.has(id)) throw notFound(id);
      await readBody(req);
      return [
        200,
        { '@odata.context': `${meta}#Collection(Edm.String)`, value: transitiveGroups(id) },
      ];
    }
    if (a === 'servicePrincipals' && id && b === 'appRoleAssignedTo' && seg.length === 3) {
      if (method !== 'GET') throw new GraphHttpError(405, 'Request_BadRequest', 'Bad method.');
      const entries = assignments.get(id);
      if (!entries) throw notFound(id);
      const all = entries.map((e) => assignmentJson(id, e));
      return [200, page(url, rest, all, `${meta}#servicePrincipals('${id}')/appRoleAssignedTo`)];
    }
    if (a === 'groups' && id && seg.length === 2 && method === 'GET') {
      if (!groups.has(id)) throw notFound(id);
      const { select } = parseQuery(url);
      const body = project(groupJson(id), select, false);
      if (!select) delete body['@odata.type'];
      return [200, { '@odata.context': `${meta}#groups/$entity`, ...body }];
    }
    throw new GraphHttpError(400, 'BadRequest', `Resource not found for the segment '${a}'.`);
  };

  const tokenEndpoint = async (req: IncomingMessage, res: ServerResponse, tenant: string) => {
    const aad = (status: number, error: string, description: string) =>
      send(res, status, {
        error,
        error_description: `${description}\r\nTrace ID: ${randomUUID()}\r\nTimestamp: ${new Date().toISOString()}`,
        error_codes: [Number(/AADSTS(\d+)/.exec(description)?.[1] ?? 0)],
        timestamp: new Date().toISOString(),
        trace_id: randomUUID(),
        correlation_id: randomUUID(),
      });
    if (req.method !== 'POST') return aad(400, 'invalid_request', 'AADSTS900561: POST required.');
    if (tenant !== fake.tenantId) {
      return aad(400, 'invalid_request', `AADSTS90002: Tenant '${tenant}' not found.`);
    }
    if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      return aad(400, 'invalid_request', 'AADSTS900144: The request body must be form encoded.');
    }
    const form = new URLSearchParams(await readBody(req));
    if (form.get('grant_type') !== 'client_credentials') {
      return aad(400, 'unsupported_grant_type', 'AADSTS70003: Unsupported grant type.');
    }
    if (form.get('client_id') !== fake.clientId) {
      return aad(
        400,
        'unauthorized_client',
        `AADSTS700016: Application with identifier '${form.get('client_id')}' was not found in the directory.`,
      );
    }
    if (form.get('client_secret') !== fake.clientSecret) {
      return aad(
        401,
        'invalid_client',
        `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${fake.clientId}'.`,
      );
    }
    if (!(form.get('scope') ?? '').endsWith('/.default')) {
      return aad(400, 'invalid_scope', 'AADSTS1002012: The provided value for scope is not valid.');
    }
    fake.tokensIssued++;
    fake.tokenScopes.push(form.get('scope') ?? '');
    const lifetime = fake.tokenLifetimeSeconds;
    return send(res, 200, {
      token_type: 'Bearer',
      expires_in: lifetime,
      ext_expires_in: lifetime,
      access_token: mint(),
    });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', fake.authorityHost);
    const authorization = req.headers.authorization;
    fake.requests.push({
      method: req.method ?? '',
      url: req.url ?? '',
      authorization,
      headers: { ...req.headers },
    });
    const tokenPath = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
    if (tokenPath) return tokenEndpoint(req, res, decodeURIComponent(tokenPath[1] ?? ''));
    if (!url.pathname.startsWith('/v1.0/')) return send(res, 404, { error: 'not_found' });
    try {
      if (throttle.n > 0) {
        throttle.n--;
        const headers: Record<string, string> =
          throttle.retryAfter === null ? {} : { 'retry-after': String(throttle.retryAfter) };
        throw new GraphHttpError(
          429,
          'TooManyRequests',
          'Too many requests. Please try again later.',
          headers,
        );
      }
      if (failure.n > 0) {
        failure.n--;
        throw new GraphHttpError(failure.status, codeFor(failure.status), 'Injected failure.');
      }
      const token = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
      const expiry = token === undefined ? undefined : tokens.get(token);
      if (expiry === undefined || expiry <= Date.now()) {
        throw new GraphHttpError(
          401,
          'InvalidAuthenticationToken',
          token === undefined
            ? 'Access token is empty.'
            : 'Access token has expired or is not yet valid.',
          { 'www-authenticate': 'Bearer realm="", error="invalid_token"' },
        );
      }
      const [status, body] = await graph(req, url);
      send(res, status, body);
    } catch (e) {
      if (!(e instanceof GraphHttpError)) throw e;
      const date = new Date().toISOString().replace(/\.\d+Z$/, '');
      const requestId = randomUUID();
      send(
        res,
        e.status,
        {
          error: {
            code: e.code,
            message: e.message,
            innerError: { date, 'request-id': requestId, 'client-request-id': requestId },
          },
        },
        { 'request-id': requestId, ...e.headers },
      );
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent)
        send(res, 500, { error: { code: 'generalException', message: String(e) } });
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;

  const fake: FakeGraph = {
    baseUrl: `http://127.0.0.1:${port}/v1.0`,
    authorityHost: `http://127.0.0.1:${port}`,
    tenantId: opts.tenantId ?? randomUUID(),
    clientId: opts.clientId ?? randomUUID(),
    clientSecret: opts.clientSecret ?? `s3cr~${randomBytes(18).toString('base64url')}`,
    addGroup(id, displayName) {
      groups.set(id, displayName);
    },
    renameGroup(id, displayName) {
      if (!groups.has(id)) throw new Error(`fake graph: no group ${id}`);
      groups.set(id, displayName);
    },
    removeGroup(id) {
      groups.delete(id);
      direct.delete(id);
      nested.delete(id);
      for (const kids of nested.values()) kids.delete(id);
      for (const [sp, list] of assignments) {
        assignments.set(
          sp,
          list.filter((a) => !(a.principalType === 'Group' && a.principalId === id)),
        );
      }
    },
    addUser(oid, displayName) {
      if (!users.has(oid) || displayName !== undefined) {
        users.set(oid, displayName ?? `User ${oid.slice(0, 8)}`);
      }
    },
    addMember(groupId, oid) {
      if (!groups.has(groupId)) throw new Error(`fake graph: no group ${groupId}`);
      fake.addUser(oid);
      setOf(direct, groupId).add(oid);
    },
    removeMember(groupId, oid) {
      direct.get(groupId)?.delete(oid);
    },
    nestGroup(parentId, childId) {
      if (!groups.has(parentId) || !groups.has(childId)) {
        throw new Error(`fake graph: nestGroup needs existing groups ${parentId}, ${childId}`);
      }
      setOf(nested, parentId).add(childId);
    },
    assignToApp(spId, groupId, appRoleId = DEFAULT_APP_ROLE) {
      if (!groups.has(groupId)) throw new Error(`fake graph: no group ${groupId}`);
      assign(spId, groupId, 'Group', appRoleId);
    },
    unassignFromApp(spId, groupId) {
      const list = assignments.get(spId) ?? [];
      assignments.set(
        spId,
        list.filter((a) => !(a.principalType === 'Group' && a.principalId === groupId)),
      );
    },
    assignUserToApp(spId, oid) {
      fake.addUser(oid);
      assign(spId, oid, 'User', DEFAULT_APP_ROLE);
    },
    get pageSize() {
      return pageSize;
    },
    set pageSize(n: number) {
      pageSize = n;
      pageSizeSet = true;
    },
    tokenLifetimeSeconds: 3599,
    throttleNext(n, retryAfterSeconds = 1) {
      throttle = { n, retryAfter: retryAfterSeconds };
    },
    failNext(n, status) {
      failure = { n, status };
    },
    hostileNextLink(url) {
      hostile = url;
    },
    revokeTokens() {
      tokens.clear();
    },
    issueDelegatedToken: () => mint(),
    requests: [],
    tokensIssued: 0,
    tokenScopes: [],
    close: () =>
      new Promise<void>((ok, fail) => {
        server.close((e) => (e ? fail(e) : ok()));
        server.closeAllConnections();
      }),
  };

  const assign = (spId: string, principalId: string, type: 'Group' | 'User', role: string) => {
    const list = assignments.get(spId) ?? [];
    if (list.some((a) => a.principalId === principalId && a.appRoleId === role)) return;
    list.push({
      id: randomBytes(32).toString('base64url').slice(0, 43),
      appRoleId: role,
      principalId,
      principalType: type,
      createdDateTime: new Date().toISOString(),
    });
    assignments.set(spId, list);
  };

  return fake;
}

function setOf<K, V>(m: Map<K, Set<V>>, key: K): Set<V> {
  let s = m.get(key);
  if (!s) {
    s = new Set();
    m.set(key, s);
  }
  return s;
}

function codeFor(status: number): string {
  if (status === 400) return 'Request_BadRequest';
  if (status === 401) return 'InvalidAuthenticationToken';
  if (status === 403) return 'Authorization_RequestDenied';
  if (status === 404) return 'Request_ResourceNotFound';
  if (status === 429) return 'TooManyRequests';
  if (status === 503) return 'serviceNotAvailable';
  if (status === 504) return 'UnknownError';
  return 'generalException';
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) throw new Error('fake graph: request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json;odata.metadata=minimal;odata.streaming=true;charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}
