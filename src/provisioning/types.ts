import type { User } from '../identity/users.js';
import type { GroupRef, Resolution } from '../roles/types.js';
import type { ReconcileResult } from './reconcile.js';

/**
 * What a connection (OIDC, SAML) hands over after it has verified the IdP's response. Nothing
 * here may come from a token decoded without signature checks.
 */
export interface VerifiedIdentity {
  connection: string;
  /** Immutable subject: Okta `sub`; Entra `{tid}:{oid}`. Never the email. */
  subject: string;
  email: string | null;
  emailVerified: boolean;
  /** The IdP login name (Okta login, Entra UPN). */
  userName: string | null;
  displayName: string | null;
  givenName: string | null;
  familyName: string | null;
  groups: readonly GroupRef[];
  /** False when the group list may be partial (overage and Graph failed). */
  groupsComplete: boolean;
  claims: Readonly<Record<string, unknown>>;
  roles: readonly string[];
  /**
   * Group ids assigned to the app (Entra service principal): null when Graph could not say,
   * absent when the connection has no such notion (then `scope: assigned_to_app` filters nothing).
   */
  assignedGroups?: ReadonlySet<string> | null;
}

export interface ConnectionPolicy {
  id: string;
  jit: boolean;
  linkExistingByEmail: boolean;
  emailDomains: readonly string[];
  /**
   * The SCIM token (id) whose directory provisions this connection's people: a first sign-in
   * links to the person it provisioned (by externalId = subject, else userName = login name).
   */
  scimToken?: string | undefined;
}

export interface SignInResult {
  user: User;
  created: boolean;
  resolution: Resolution;
  /** False when a manually pinned role was kept despite the IdP. */
  roleApplied: boolean;
  sync: ReconcileResult;
}

export interface SignInMeta {
  ip?: string | undefined;
  requestId?: string | undefined;
  /** The reference id the person sees on the error page, recorded with a refusal. */
  reference?: string | undefined;
}

/** The sign-in pipeline as SSO flows and background sync see it. */
export interface SignInService {
  signIn(id: VerifiedIdentity, policy: ConnectionPolicy, meta?: SignInMeta): Promise<SignInResult>;
  /** Background re-sync of a known user (no sign-in): role and teams from fresh IdP facts. */
  resync(userId: string, id: VerifiedIdentity): Promise<ReconcileResult>;
}
