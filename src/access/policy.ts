import type { Principal } from './principal.js';

export const PERMISSIONS = [
  'me:read',
  'users:read',
  'users:write',
  'teams:read',
  'teams:write',
  'organizations:read',
  'organizations:write',
  'keys:read',
  'keys:write',
  'audit:read',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/**
 * Global-role policy. proxy_admin may do everything, proxy_admin_viewer may read everything,
 * every authenticated user may read who they are. Anything not granted here is denied.
 */
export function isAllowed(p: Principal, permission: Permission): boolean {
  if (permission === 'me:read') return true;
  if (p.role === 'proxy_admin') return true;
  if (p.role === 'proxy_admin_viewer') return permission.endsWith(':read');
  return false;
}
