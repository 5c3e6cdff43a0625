export interface MicrosoftGraphConfig {
  base_url: string;
  authority_host: string;
  tenant_id: string;
  client_id: string;
  client_secret: string;
  service_principal_id?: string | undefined;
}

export interface GraphGroup {
  id: string;
  displayName: string | null;
}

export interface GraphClient {
  /** All groups the user is a member of, directly or transitively: GET {base}/users/{oid}/transitiveMemberOf/microsoft.graph.group?$select=id,displayName (page size $top=999), every page. */
  userGroups(userObjectId: string): Promise<GraphGroup[]>;
  /** Groups assigned to the app: GET {base}/servicePrincipals/{id}/appRoleAssignedTo, every page, principalType === 'Group' only, mapped to {id: principalId, displayName: principalDisplayName}, de-duplicated by id. */
  appAssignedGroups(servicePrincipalId: string): Promise<GraphGroup[]>;
  /** GET {base}/groups/{id}?$select=id,displayName; null on 404. */
  group(id: string): Promise<GraphGroup | null>;
}

/** A client that owns an HTTP connection pool; `close()` releases it. */
export interface ClosableGraphClient extends GraphClient {
  close(): Promise<void>;
}

export type GraphErrorCode =
  | 'throttled'
  | 'http_error'
  | 'bad_response'
  | 'bad_request'
  | 'bad_config'
  | 'token_failed'
  | 'unsafe_next_link'
  | 'too_many_pages'
  | 'network';

export class GraphError extends Error {
  readonly status: number | null;
  readonly code: GraphErrorCode;
  /** Graph's `error.code` or AAD's `error` from the response body, when there was one. */
  readonly remoteCode: string | null;

  constructor(
    code: GraphErrorCode,
    message: string,
    status: number | null = null,
    remoteCode: string | null = null,
  ) {
    super(message);
    this.name = 'GraphError';
    this.code = code;
    this.status = status;
    this.remoteCode = remoteCode;
  }
}

export interface GraphClientOptions {
  /** Clock in epoch milliseconds (token expiry, HTTP-date Retry-After). */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Retries per request after 429/503 (default 5). */
  maxRetries?: number;
  /** Pages per listing (default 500). */
  maxPages?: number;
  /** Cap on one wait, from Retry-After or backoff (default 120 000). */
  maxRetryAfterMs?: number;
  /** Per HTTP request, connect to last body byte (default 10 000). */
  timeoutMs?: number;
}
