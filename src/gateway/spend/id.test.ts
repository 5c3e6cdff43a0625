import { describe, expect, it } from 'vitest';
import { timeOrderedId } from './id.js';

describe('spend log ids (UUIDv7)', () => {
  it('carry the time first, version 7 and the RFC variant, and sort by time', () => {
    const at = Date.parse('2026-12-02T05:30:00Z');
    const id = timeOrderedId(at);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(at);
    const ids = [at + 5, at, at + 1_000, at + 1].map(timeOrderedId);
    expect([...ids].sort()).toEqual([ids[1], ids[3], ids[0], ids[2]]);
    expect(new Set(Array.from({ length: 1000 }, () => timeOrderedId(at))).size).toBe(1000);
  });
});
