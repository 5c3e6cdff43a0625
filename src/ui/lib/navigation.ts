import { scopesFor } from '../../access/matrix.js';
import type { Action, GlobalRole } from './permissions.js';

export interface NavItem {
  to: string;
  label: string;
  /** The action the page's main list needs; the entry is hidden from roles without it. */
  needs: Action;
  /** Hidden when the role reaches only its own record (a list of one is the dashboard). */
  beyondOwn?: true;
}

export interface NavSection {
  label: string;
  items: NavItem[];
}

/** The whole navigation; each entry is shown to the roles whose matrix grants `needs`. */
export const NAVIGATION: NavSection[] = [
  { label: 'Overview', items: [{ to: '/', label: 'Dashboard', needs: 'me:read' }] },
  {
    label: 'Directory',
    items: [
      { to: '/users', label: 'Users', needs: 'users:read', beyondOwn: true },
      { to: '/teams', label: 'Teams', needs: 'teams:read' },
      { to: '/organizations', label: 'Organizations', needs: 'organizations:read' },
    ],
  },
  {
    label: 'Usage',
    items: [
      { to: '/keys', label: 'Keys', needs: 'keys:read' },
      { to: '/spend', label: 'Spend', needs: 'spend:read' },
    ],
  },
  {
    label: 'Settings',
    items: [
      { to: '/settings/sso', label: 'Authentication / SSO', needs: 'sso_connections:read' },
      { to: '/settings/provisioning', label: 'Provisioning / SCIM', needs: 'scim_tokens:read' },
      { to: '/settings/roles', label: 'Roles / Access control', needs: 'role_mapping:read' },
    ],
  },
  { label: 'Security', items: [{ to: '/audit', label: 'Audit log', needs: 'audit:read' }] },
];

/** The sections and entries this role may open; empty sections disappear. */
export function visibleNavigation(role: GlobalRole | null): NavSection[] {
  const shows = (i: NavItem) => {
    const scopes = scopesFor(role, i.needs);
    return i.beyondOwn ? scopes.some((s) => s !== 'own') : scopes.length > 0;
  };
  return NAVIGATION.map((s) => ({ ...s, items: s.items.filter(shows) })).filter(
    (s) => s.items.length > 0,
  );
}
