import { describe, expect, it } from 'vitest';
import { boundedIds, diffAttributes } from './diff.js';

describe('audit diffs of SCIM resources', () => {
  it('keeps only the attributes that changed, on each side', () => {
    const d = diffAttributes(
      { userName: 'a', active: true, name: { givenName: 'A' }, title: 'x' },
      { userName: 'a', active: false, name: { givenName: 'A' }, nickName: 'n' },
    );
    expect(d.changed).toEqual(['active', 'nickName', 'title']);
    expect(d.before).toEqual({ active: true, title: 'x' });
    expect(d.after).toEqual({ active: false, nickName: 'n' });
  });

  it('compares nested values by content, not key order', () => {
    const d = diffAttributes({ name: { a: 1, b: 2 } }, { name: { b: 2, a: 1 } });
    expect(d.changed).toEqual([]);
  });

  it('bounds id lists but keeps the count', () => {
    const ids = Array.from({ length: 250 }, (_, i) => `u${i}`);
    const b = boundedIds(ids);
    expect(b.count).toBe(250);
    expect(b.ids).toHaveLength(100);
    expect(b.ids[0]).toBe('u0');
  });
});
