import { timingSafeEqual } from 'node:crypto';

/**
 * People known to a test IdP: a password the login form checks, and the claims the IdP
 * releases about them, shaped the way Okta or Entra shapes them.
 */
export interface TestAccount {
  /** What the person types into the login form. */
  username: string;
  password: string;
  /** The id_token / userinfo `sub`. */
  sub: string;
  /** Claims beyond `sub`, keyed by claim name as the IdP emits them. */
  claims: Record<string, unknown>;
}

export function passwordMatches(account: TestAccount, given: string): boolean {
  const a = Buffer.from(account.password, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** An Okta user: `sub` is the Okta user id, groups are names, `ver` is the number 1. */
export function oktaAccount(input: {
  username: string;
  password: string;
  sub: string;
  email?: string;
  name?: string;
  groups?: string[];
  /** A custom claim, e.g. `litellm_roles`, as an Okta admin would add it. */
  extra?: Record<string, unknown>;
}): TestAccount {
  return {
    username: input.username,
    password: input.password,
    sub: input.sub,
    claims: {
      ver: 1,
      idp: '00oixa26ycdNcX0VT0h7',
      email: input.email ?? input.username,
      email_verified: true,
      name: input.name ?? input.username,
      preferred_username: input.username,
      groups: input.groups ?? ['Everyone'],
      ...input.extra,
    },
  };
}

export type EntraOverage =
  /** `_claim_names`/`_claim_sources` (the code-flow JWT shape), pointing at `endpoint`. */
  | { kind: 'claim_sources'; endpoint: string }
  /** `hasgroups: true` (the implicit-flow shape). */
  | { kind: 'hasgroups' };

/** An Entra user: keyed by `tid`+`oid`, groups are object ids, app roles in `roles`. */
export function entraAccount(input: {
  username: string;
  password: string;
  tid: string;
  oid: string;
  /** Entra's `sub` is pairwise per app; defaults to something derived from the oid. */
  sub?: string;
  email?: string | null;
  name?: string;
  roles?: string[];
  groups?: string[];
  overage?: EntraOverage;
}): TestAccount {
  const claims: Record<string, unknown> = {
    ver: '2.0',
    tid: input.tid,
    oid: input.oid,
    name: input.name ?? input.username,
    preferred_username: input.username,
    roles: input.roles ?? [],
  };
  if (input.email) claims.email = input.email;
  if (input.overage?.kind === 'claim_sources') {
    claims._claim_names = { groups: 'src1' };
    claims._claim_sources = { src1: { endpoint: input.overage.endpoint } };
  } else if (input.overage?.kind === 'hasgroups') {
    claims.hasgroups = true;
  } else {
    claims.groups = input.groups ?? [];
  }
  return {
    username: input.username,
    password: input.password,
    sub: input.sub ?? `pairwise-${input.oid}`,
    claims,
  };
}
