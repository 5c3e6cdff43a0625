import { describe, expect, it } from 'vitest';
import { visibleNavigation } from './navigation.js';

const labels = (role: Parameters<typeof visibleNavigation>[0]) =>
  visibleNavigation(role).flatMap((s) => s.items.map((i) => i.label));

describe('navigation per role', () => {
  it('a proxy admin sees every page', () => {
    expect(labels('proxy_admin')).toEqual([
      'Dashboard',
      'Users',
      'Teams',
      'Organizations',
      'Keys',
      'Spend',
      'Authentication / SSO',
      'Provisioning / SCIM',
      'Roles / Access control',
      'Audit log',
    ]);
  });

  it('an internal user sees no user list, organizations, settings or audit log', () => {
    expect(labels('internal_user')).toEqual(['Dashboard', 'Teams', 'Keys', 'Spend']);
    expect(visibleNavigation('internal_user').map((s) => s.label)).not.toContain('Settings');
  });

  it('an org admin sees organizations but not settings', () => {
    expect(labels('org_admin')).toContain('Organizations');
    expect(labels('org_admin')).not.toContain('Roles / Access control');
    expect(labels('org_admin')).not.toContain('Authentication / SSO');
  });

  it('a proxy admin viewer sees SSO and SCIM settings (read-only there)', () => {
    expect(labels('proxy_admin_viewer')).toContain('Authentication / SSO');
    expect(labels('proxy_admin_viewer')).toContain('Provisioning / SCIM');
  });
});
