import { describe, expect, it } from 'vitest';
import { can, canOn, permissionSummary, scopeOn, type Viewer } from './permissions.js';

const viewer = (over: Partial<Viewer>): Viewer => ({
  role: 'internal_user',
  userId: 'me',
  adminTeams: new Set(),
  memberTeams: new Set(),
  adminOrgs: new Set(),
  ...over,
});

describe('permissions the UI derives from the server matrix', () => {
  it('an internal_user_viewer cannot create, block or delete keys', () => {
    expect(can('internal_user_viewer', 'keys:create')).toBe(false);
    expect(can('internal_user_viewer', 'keys:update')).toBe(false);
    expect(can('internal_user_viewer', 'keys:delete')).toBe(false);
    expect(can('internal_user_viewer', 'keys:read')).toBe(true);
  });

  it('a key with no owner has no role and sees nothing but itself', () => {
    expect(can(null, 'me:read')).toBe(true);
    expect(can(null, 'keys:read')).toBe(false);
  });

  it('an owner acts on their own key with scope own only; a team admin with team_admin', () => {
    const v = viewer({ adminTeams: new Set(['t1']) });
    expect(scopeOn(v, 'keys:update', { ownerId: 'me', teamId: null })).toBe('own');
    expect(scopeOn(v, 'keys:update', { ownerId: 'ann', teamId: 't1' })).toBe('team_admin');
    expect(scopeOn(v, 'keys:update', { ownerId: 'ann', teamId: 't2' })).toBeNull();
  });

  it('org admins reach objects of organizations they administer only', () => {
    const v = viewer({ role: 'org_admin', adminOrgs: new Set(['o1']) });
    expect(canOn(v, 'teams:update', { organizationId: 'o1' })).toBe(true);
    expect(canOn(v, 'teams:update', { organizationId: 'o2' })).toBe(false);
    expect(canOn(v, 'teams:update', { organizationId: null })).toBe(false);
  });

  it('the proxy admin viewer reads everything and writes only own keys', () => {
    const lines = permissionSummary('proxy_admin_viewer');
    expect(lines).toContain('keys: read (all); create, update, delete (own)');
    expect(lines.some((l) => l.startsWith('users: read (all)'))).toBe(true);
    expect(lines.join('\n')).not.toMatch(/users: .*create/);
  });

  it('the internal user viewer summary has no key creation', () => {
    expect(permissionSummary('internal_user_viewer').join('\n')).not.toContain('create');
  });
});
