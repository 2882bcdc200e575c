/** Waiters for "the object or lock under this key changed", woken by a published message. */
export interface ChangeWait {
  /** Resolves on a change of the key, or after `ms` (whichever comes first). */
  wait(ms: number): Promise<void>;
  cancel(): void;
}

export class ChangeWaiters {
  readonly #waiters = new Map<string, Set<() => void>>();

  /** Register before checking, so a change published in between is not missed. */
  register(key: string): ChangeWait {
    let woken = false;
    let wake: (() => void) | undefined;
    const onChange = () => {
      woken = true;
      wake?.();
    };
    const set = this.#waiters.get(key) ?? new Set();
    set.add(onChange);
    this.#waiters.set(key, set);
    const cancel = () => {
      set.delete(onChange);
      if (set.size === 0 && this.#waiters.get(key) === set) this.#waiters.delete(key);
    };
    return {
      cancel,
      wait: (ms) =>
        new Promise<void>((resolve) => {
          if (woken) return resolve(cancel());
          const timer = setTimeout(() => (wake = undefined, cancel(), resolve()), Math.max(0, ms));
          wake = () => (clearTimeout(timer), cancel(), resolve());
        }),
    };
  }

  notify(key: string): void {
    for (const fn of [...(this.#waiters.get(key) ?? [])]) fn();
  }
}
