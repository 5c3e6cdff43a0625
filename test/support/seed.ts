import type { TestApp } from './app.js';
import { expectStatus } from './json.js';

let n = 0;
const unique = () => `${Date.now().toString(36)}${(n++).toString(36)}`;

export interface Created {
  id: string;
  [k: string]: unknown;
}

/** Small helpers that create resources through the public API, as a client would. */
export async function createUser(t: TestApp, body: Record<string, unknown> = {}): Promise<Created> {
  const res = await t.call({
    method: 'POST',
    url: '/api/v1/users',
    payload: { email: `u${unique()}@acme.com`, ...body },
  });
  return expectStatus<Created>(res, 201);
}

export async function createTeam(t: TestApp, body: Record<string, unknown> = {}): Promise<Created> {
  const res = await t.call({
    method: 'POST',
    url: '/api/v1/teams',
    payload: { name: `team-${unique()}`, ...body },
  });
  return expectStatus<Created>(res, 201);
}

export async function createKey(
  t: TestApp,
  body: Record<string, unknown> = {},
): Promise<Created & { key: string }> {
  const res = await t.call({ method: 'POST', url: '/api/v1/keys', payload: body });
  return expectStatus<Created & { key: string }>(res, 201);
}

/** A user of the given role and a working key of theirs that acts on the management API as them. */
export async function userWithKey(t: TestApp, role: string) {
  const user = await createUser(t, { role });
  const key = await createKey(t, { user_id: user.id, purpose: 'management' });
  return { user, key: key.key, keyId: key.id };
}
