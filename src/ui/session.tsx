import { createContext, type ReactNode, useContext, useMemo } from 'react';
import { usePaged } from './api/hooks.js';
import type { Me, Organization } from './api/types.js';
import {
  type Action,
  can,
  canOn,
  type ObjectRef,
  type Scope,
  scopeOn,
  type Viewer,
} from './lib/permissions.js';

export interface SessionValue {
  me: Me;
  viewer: Viewer;
  can(action: Action): boolean;
  canOn(action: Action, o: ObjectRef): boolean;
  scopeOn(action: Action, o: ObjectRef): Scope | null;
}

const SessionContext = createContext<SessionValue | null>(null);

export function SessionProvider({ me, children }: { me: Me; children: ReactNode }) {
  // Org admins act on the organizations they administer: the API lists exactly those to them.
  const orgs = usePaged<Organization>(
    '/api/v1/organizations',
    { limit: 500 },
    me.role === 'org_admin',
  );
  const orgIds = orgs.data?.pages.flatMap((p) => p.data.map((o) => o.id)) ?? [];
  const orgKey = orgIds.join(',');
  const value = useMemo<SessionValue>(() => {
    const viewer: Viewer = {
      role: me.role,
      userId: me.user?.id ?? null,
      adminTeams: new Set(me.teams.filter((t) => t.role === 'admin').map((t) => t.team_id)),
      memberTeams: new Set(me.teams.map((t) => t.team_id)),
      adminOrgs: new Set(orgKey ? orgKey.split(',') : []),
    };
    return {
      me,
      viewer,
      can: (a) => can(me.role, a),
      canOn: (a, o) => canOn(viewer, a, o),
      scopeOn: (a, o) => scopeOn(viewer, a, o),
    };
  }, [me, orgKey]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionValue {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}
