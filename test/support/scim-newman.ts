import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import newman, { type NewmanRunSummary } from 'newman';
import type { CollectionDefinition } from 'postman-collection';
import { SCIM_DATA } from './scimmy.js';

/**
 * Microsoft's "SCIM Tests" Postman collection (AzureAD/SCIMReferenceCode, MIT, vendored in
 * shared/scim-data) run with newman against a live Gatehouse. The collection is adapted in
 * memory, never edited on disk; each adaptation and each deliberate deviation is listed here
 * and in docs/scim.md ("Deviations").
 */
export const COLLECTION_PATH = join(
  SCIM_DATA,
  'microsoft-SCIMReferenceCode',
  'PostmanCollection.json',
);

/** Environment variables the collection reads that no script of its own sets. */
export const REQUIRED_VARIABLES = ['Protocol', 'Server', 'Port', 'Api', 'token'] as const;

export type DeviationCause =
  | 'email-unique'
  | 'email-unique-cascade'
  | 'member-display'
  | 'user-patch-200'
  | 'string-member';

export interface Deviation {
  request: string;
  assertion: string;
  cause: DeviationCause;
}

export const CAUSES: Record<DeviationCause, string> = {
  'email-unique':
    'Several users share one primary email; Gatehouse keeps emails unique (DESIGN.md, Identity rules) and answers 409 uniqueness.',
  'email-unique-cascade':
    'A user refused for its email was never created, so later counts, filters, deletes and memberships that assume it differ.',
  'member-display':
    "A member's display is the user's own displayName; the collection expects the non-standard displayName the client sent in the PATCH echoed back.",
  'user-patch-200':
    'A User PATCH answers 200 with the resource (RFC 7644 §3.5.2, what Entra and Okta expect); the collection expects 204.',
  'string-member':
    'A bare string is not a member ({"value": "<user id>"}): 400 invalidValue, rather than 204 and nothing done.',
};

/** Assertions Gatehouse fails on purpose, by request name and assertion name. */
export const DEVIATIONS: readonly Deviation[] = [
  { request: 'Create user 4 for group 2', assertion: 'Status code is 201', cause: 'email-unique' },
  { request: 'Put replace group3', assertion: 'Status code is 200', cause: 'email-unique-cascade' },
  {
    request: 'Validate group 3',
    assertion: 'Body contians user id3',
    cause: 'email-unique-cascade',
  },
  { request: 'Get group by id', assertion: 'Body contians user', cause: 'member-display' },
  { request: 'Delete user id4', assertion: 'Status code is 204', cause: 'email-unique-cascade' },
  { request: 'Post emp2', assertion: 'Status code is 201', cause: 'email-unique' },
  { request: 'Post emp3', assertion: 'Status code is 201', cause: 'email-unique' },
  { request: 'Post enterprise user', assertion: 'Status code is 201', cause: 'email-unique' },
  {
    request: 'Patch user omalley new username',
    assertion: 'Status code is 204',
    cause: 'user-patch-200',
  },
  {
    request: 'patch user omalley active with boolean',
    assertion: 'Status code is 204',
    cause: 'user-patch-200',
  },
  { request: 'Paginate', assertion: 'Total results', cause: 'email-unique-cascade' },
  { request: 'get user attributes', assertion: 'Total results', cause: 'email-unique-cascade' },
  {
    request: 'filter eq and (val or val)',
    assertion: 'Total results',
    cause: 'email-unique-cascade',
  },
  { request: 'filter greater than', assertion: 'Total results', cause: 'email-unique-cascade' },
  { request: 'Group patch add member', assertion: 'Status code is 204', cause: 'string-member' },
  { request: 'Group patch add member2', assertion: 'Status code is 204', cause: 'string-member' },
  { request: 'Delete user3 emp2', assertion: 'Status code is 204', cause: 'email-unique-cascade' },
  { request: 'Delete user4 emp3', assertion: 'Status code is 204', cause: 'email-unique-cascade' },
  {
    request: 'Delete enterprise user',
    assertion: 'Status code is 204',
    cause: 'email-unique-cascade',
  },
];

interface Item {
  name: string;
  item?: Item[];
  request?: { url: unknown; body?: { raw?: string } };
}

/**
 * The collection as Gatehouse runs it:
 * - without the "Get Token" folder (the reference server's dev token endpoint; the token is
 *   passed in instead);
 * - `/serviceConfiguration`, a path the reference server itself no longer serves, becomes
 *   `/ServiceProviderConfig` (RFC 7644 §4);
 * - the JMeter placeholder `${__UUID}`, which Postman never expands (so every body carried the
 *   same literal externalId), becomes Postman's `{{$guid}}`: a fresh UUID per request, which
 *   is what the authors meant.
 */
const JMETER_UUID = ['$', '{__UUID}'].join('');

export function preparedCollection(): { item: Item[] } & Record<string, unknown> {
  const text = readFileSync(COLLECTION_PATH, 'utf8')
    .replaceAll('/serviceConfiguration', '/ServiceProviderConfig')
    .replaceAll('"serviceConfiguration"', '"ServiceProviderConfig"')
    .replaceAll(JMETER_UUID, '{{$guid}}');
  const collection = JSON.parse(text) as { item: Item[] } & Record<string, unknown>;
  collection.item = collection.item.filter((i) => i.name !== 'Get Token');
  return collection;
}

export function environmentFor(baseUrl: string, token: string): { key: string; value: string }[] {
  const url = new URL(baseUrl);
  const values: Record<(typeof REQUIRED_VARIABLES)[number], string> = {
    Protocol: url.protocol.replace(/:$/, ''),
    Server: url.hostname,
    Port: url.port ? `:${url.port}` : '',
    Api: url.pathname.replace(/^\/+|\/+$/g, ''),
    token,
  };
  return Object.entries(values).map(([key, value]) => ({ key, value }));
}

export interface AssertionFailure {
  request: string;
  assertion: string;
  message: string;
}

export interface CollectionResult {
  requests: number;
  assertions: number;
  failures: AssertionFailure[];
  /** Failures not in DEVIATIONS: each one is a bug (or a deviation to document). */
  unexpected: AssertionFailure[];
  /** DEVIATIONS that did not fail: the list is out of date. */
  stale: Deviation[];
}

const isDeviation = (f: AssertionFailure) =>
  DEVIATIONS.some((d) => d.request === f.request && d.assertion === f.assertion);

export function classify(summary: NewmanRunSummary): CollectionResult {
  const failures: AssertionFailure[] = [];
  for (const ex of summary.run.executions) {
    for (const a of ex.assertions ?? []) {
      if (a.error)
        failures.push({ request: ex.item.name, assertion: a.assertion, message: a.error.message });
    }
  }
  return {
    requests: summary.run.stats.requests.total ?? 0,
    assertions: summary.run.stats.assertions.total ?? 0,
    failures,
    unexpected: failures.filter((f) => !isDeviation(f)),
    stale: DEVIATIONS.filter(
      (d) => !failures.some((f) => f.request === d.request && f.assertion === d.assertion),
    ),
  };
}

/** Runs the whole adapted collection, in order, against `baseUrl` (e.g. http://127.0.0.1:4321/scim/v2). */
export function runMicrosoftCollection(opts: {
  baseUrl: string;
  token: string;
  timeoutRequestMs?: number;
}): Promise<CollectionResult> {
  return new Promise((resolve, reject) => {
    newman.run(
      {
        collection: preparedCollection() as CollectionDefinition,
        envVar: environmentFor(opts.baseUrl, opts.token),
        reporters: [],
        timeoutRequest: opts.timeoutRequestMs ?? 10_000,
      },
      (err, summary) => {
        if (err) reject(err);
        else resolve(classify(summary));
      },
    );
  });
}
