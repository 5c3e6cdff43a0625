import type { ConnectionConfig } from '../config/schema.js';

/** `name@domain` with nothing odd in it; the domain is what home-realm discovery matches. */
export function emailDomain(email: string): string | null {
  const m = /^[^@\s]{1,256}@([A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)$/.exec(email.trim());
  return m?.[1] ? m[1].toLowerCase() : null;
}

/**
 * Home-realm discovery: the first usable connection that lists the email's domain exactly (case
 * does not matter). Subdomains do not match: `eu.acme.com` is listed on its own if wanted.
 */
export function connectionForDomain<C extends { config: ConnectionConfig }>(
  connections: readonly C[],
  domain: string,
): C | null {
  const d = domain.toLowerCase();
  return connections.find((c) => c.config.email_domains.some((x) => x.toLowerCase() === d)) ?? null;
}
