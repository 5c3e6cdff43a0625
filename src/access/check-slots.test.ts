import { describe, expect, it } from 'vitest';
import { checkSlots } from './check-slots.js';

describe('checkSlots', () => {
  it('runs up to `running` at once, queues up to `waiting`, refuses the rest', async () => {
    const s = checkSlots(2, 1);
    const a = s.acquire();
    const b = s.acquire();
    const c = s.acquire();
    expect(a).not.toBeNull();
    expect(b).not.toBeNull();
    expect(c).not.toBeNull();
    expect(s.acquire()).toBeNull();

    let cStarted = false;
    void c?.then(() => {
      cStarted = true;
    });
    const releaseA = await a;
    await Promise.resolve();
    expect(cStarted).toBe(false);
    releaseA?.();
    await c;
    expect(cStarted).toBe(true);
    // a's slot went to c: two running, the line empty again.
    expect(s.acquire()).not.toBeNull();
    expect(s.acquire()).toBeNull();
  });

  it('a slot given back twice counts once', async () => {
    const s = checkSlots(1, 0);
    const release = await s.acquire();
    release?.();
    release?.();
    expect(s.acquire()).not.toBeNull();
    expect(s.acquire()).toBeNull();
  });
});
