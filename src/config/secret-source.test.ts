import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveSecret, sqliteDataDir } from './secret-source.js';

const dir = mkdtempSync(join(tmpdir(), 'gh-secret-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('where the secret for stored secrets comes from', () => {
  it('GATEHOUSE_SECRET when set (and long enough)', () => {
    expect(resolveSecret({ secret: 'x'.repeat(32), databaseUrl: 'postgres://h/db' })).toEqual({
      secret: 'x'.repeat(32),
      note: null,
    });
    expect(() => resolveSecret({ secret: 'short', databaseUrl: ':memory:' })).toThrow(
      /at least 16 characters/,
    );
  });

  it('SQLite without GATEHOUSE_SECRET: generated once beside the database, mode 0600, said in the log', () => {
    const url = `file:${join(dir, 'data', 'gatehouse.db')}`;
    const first = resolveSecret({ secret: undefined, databaseUrl: url });
    expect(first.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(first.note?.level).toBe('warn');
    expect(first.note?.message).toContain(join(dir, 'data', 'gatehouse.secret'));
    expect(statSync(join(dir, 'data', 'gatehouse.secret')).mode & 0o777).toBe(0o600);
    const second = resolveSecret({ secret: undefined, databaseUrl: url });
    expect(second.secret).toBe(first.secret);
    expect(second.note?.level).toBe('info');
  });

  it('PostgreSQL without GATEHOUSE_SECRET: none (instances could disagree), with a warning', () => {
    const r = resolveSecret({ secret: undefined, databaseUrl: 'postgres://gh@db/gatehouse' });
    expect(r.secret).toBeNull();
    expect(r.note?.message).toContain('cannot be stored through the API');
    expect(resolveSecret({ secret: undefined, databaseUrl: ':memory:' })).toEqual({
      secret: null,
      note: null,
    });
  });

  it('the data directory is the SQLite file’s', () => {
    expect(sqliteDataDir('file:/srv/gh/data/gatehouse.db')).toBe('/srv/gh/data');
    expect(sqliteDataDir('/var/lib/gh.db')).toBe('/var/lib');
    expect(sqliteDataDir('postgresql://x/y')).toBeNull();
    expect(sqliteDataDir('file::memory:')).toBeNull();
  });
});
