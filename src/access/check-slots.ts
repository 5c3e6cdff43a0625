/**
 * A bound on the password checks in progress. One scrypt check holds 128 MiB and a libuv
 * thread for a few hundred milliseconds. The lock-out counters stop guessing at one account or
 * from one address, not a flood of logins for many names from many addresses; unbounded, such a
 * flood would queue on the thread pool that DNS lookups (upstream connections) and file reads
 * share, and slow the whole process. Beyond `running` + `waiting`, a check is refused at once.
 */
export interface CheckSlots {
  /** Resolves with the function that gives the slot back; null when every slot and place in line is taken. */
  acquire(): Promise<() => void> | null;
}

export function checkSlots(running: number, waiting: number): CheckSlots {
  let active = 0;
  const line: Array<(release: () => void) => void> = [];

  function handOver() {
    const next = line.shift();
    // The slot passes straight to the next in line, so `active` stays as it is.
    if (next) next(releaser());
    else active--;
  }

  function releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      handOver();
    };
  }

  return {
    acquire() {
      if (active < running) {
        active++;
        return Promise.resolve(releaser());
      }
      if (line.length >= waiting) return null;
      return new Promise((resolve) => line.push(resolve));
    },
  };
}
