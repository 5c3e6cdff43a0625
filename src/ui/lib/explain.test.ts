import { describe, expect, it } from 'vitest';
import { explainRole } from './explain.js';

describe('how a role was decided, in words', () => {
  it('names the winning rule, one-based, with what matched', () => {
    expect(
      explainRole({
        role: 'proxy_admin',
        role_source: 'idp',
        role_explanation: {
          role: 'proxy_admin',
          decided_by: 'rule',
          matched: [
            { rule: 0, matched: 'group devs', grants: { role: 'internal_user' } },
            { rule: 2, matched: 'group litellm-owners', grants: { role: 'proxy_admin' } },
          ],
        },
      }),
    ).toBe('Rule 3: group litellm-owners');
  });

  it('app roles, defaults and pinned roles', () => {
    expect(
      explainRole({
        role: 'org_admin',
        role_source: 'idp',
        role_explanation: {
          role: 'org_admin',
          decided_by: 'app_role',
          matched: [
            { rule: 'app_role', matched: 'app role org_admin', grants: { role: 'org_admin' } },
          ],
        },
      }),
    ).toBe('App role: app role org_admin');
    expect(
      explainRole({ role: 'internal_user_viewer', role_source: 'default', role_explanation: null }),
    ).toBe('Default role');
    expect(
      explainRole({
        role: 'proxy_admin',
        role_source: 'manual',
        role_explanation: { role: 'internal_user', decided_by: 'default', matched: [] },
      }),
    ).toBe('Pinned by an administrator (the IdP would give internal_user)');
  });
});
