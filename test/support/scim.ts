import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import type { Dialect } from '../../src/db/connect.js';
import { type TestApp, testApp } from './app.js';

export const SCIM_JSON = 'application/scim+json';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const USER_URN = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_URN = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_URN = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const LIST_URN = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const ERROR_URN = 'urn:ietf:params:scim:api:messages:2.0:Error';

export interface ScimResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined for an empty body. */
  body: Record<string, unknown> & { Resources?: Record<string, unknown>[] };
  text: string;
}

export interface ScimClient {
  baseUrl: string;
  token: string;
  /** One request over real HTTP, as an IdP sends it (bearer token, SCIM content type). */
  send(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<ScimResponse>;
}

export function scimClient(baseUrl: string, token: string): ScimClient {
  return {
    baseUrl,
    token,
    async send(method, path, body, headers = {}) {
      const res = await fetch(`${baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: SCIM_JSON,
          ...(body !== undefined ? { 'content-type': `${SCIM_JSON}; charset=utf-8` } : {}),
          ...headers,
        },
        ...(body !== undefined
          ? { body: typeof body === 'string' ? body : JSON.stringify(body) }
          : {}),
      });
      const text = await res.text();
      let parsed: ScimResponse['body'] = {};
      if (text) {
        try {
          parsed = JSON.parse(text) as ScimResponse['body'];
        } catch {
          parsed = {};
        }
      }
      return { status: res.status, headers: res.headers, body: parsed, text };
    },
  };
}

/** Asserts the status, printing the body when it differs. */
export function expectScim(res: ScimResponse, status: number): ScimResponse['body'] {
  if (res.status !== status) expect.fail(`expected HTTP ${status}, got ${res.status}: ${res.text}`);
  return res.body;
}

/** Asserts an RFC 7644 §3.12 error with its status (as a string) and scimType. */
export function expectScimError(res: ScimResponse, status: number, scimType?: string) {
  const body = expectScim(res, status);
  expect(res.headers.get('content-type')).toMatch(/^application\/scim\+json/);
  expect(body.schemas).toEqual([ERROR_URN]);
  expect(body.status).toBe(String(status));
  expect(typeof body.detail).toBe('string');
  if (scimType !== undefined) expect(body.scimType).toBe(scimType);
  return body as { detail: string; scimType?: string };
}

export interface ScimRig {
  t: TestApp;
  /** The first SCIM token's client. */
  scim: ScimClient;
  tokenId: string;
  origin: string;
  /** Makes another token (through the management API) and a client for it. */
  newToken(name: string, rotates?: string): Promise<{ id: string; client: ScimClient }>;
  close(): Promise<void>;
}

/** A Gatehouse listening on a random loopback port, with one SCIM token made through the API. */
export async function scimRig(
  dialect: Dialect,
  file: Record<string, unknown> = {},
  opts: Parameters<typeof testApp>[2] = {},
): Promise<ScimRig> {
  const t = await testApp(dialect, file, opts);
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = t.app.server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  const baseUrl = `${origin}/scim/v2`;
  async function newToken(name: string, rotates?: string) {
    const res = await t.call({
      method: 'POST',
      url: '/api/v1/scim/tokens',
      payload: { name, ...(rotates ? { rotates } : {}) },
    });
    if (res.statusCode !== 201) throw new Error(`token: ${res.statusCode} ${res.body}`);
    const b = JSON.parse(res.body) as { id: string; token: string };
    return { id: b.id, client: scimClient(baseUrl, b.token) };
  }
  const first = await newToken('Okta');
  return { t, scim: first.client, tokenId: first.id, origin, newToken, close: () => t.close() };
}

/** What tests read of a User response. */
export interface UserBody {
  id: string;
  userName: string;
  active: boolean;
  externalId?: string;
  displayName?: string;
  name?: Record<string, string>;
  emails?: { value: string; type?: string; primary?: boolean }[];
  groups?: { value: string; display: string }[];
  meta: {
    resourceType: string;
    created: string;
    lastModified: string;
    location: string;
    version: string;
  };
  [attribute: string]: unknown;
}

/** What tests read of a Group response. */
export interface GroupBody {
  id: string;
  displayName: string;
  externalId?: string;
  members?: { value: string; display?: string; type?: string }[];
  meta: { resourceType: string; location: string; version: string };
  [attribute: string]: unknown;
}

export const asUser = (b: unknown): UserBody => b as UserBody;
export const asGroup = (b: unknown): GroupBody => b as GroupBody;
