/** Waiters for a key's change (its object written, its lock released), woken by a published message. */
export interface ChangeWait {
  /** Resolves on a change of the key, after `ms`, or when `signal` aborts (whichever comes first). */
  wait(ms: number, signal?: AbortSignal): Promise<void>;
  cancel(): void;
}

export class ChangeWaiters {
  readonly #listeners = new Map<string, Set<() => void>>();

  /** Call `onChange` on every change of `key` until the returned function is called. */
  listen(key: string, onChange: () => void): () => void {
    const set = this.#listeners.get(key) ?? new Set();
    const listener = () => onChange(); // its own identity: one function may listen twice
    set.add(listener);
    this.#listeners.set(key, set);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.#listeners.get(key) === set) this.#listeners.delete(key);
    };
  }

  /** Register before checking, so a change published in between is not missed. */
  register(key: string): ChangeWait {
    let woken = false;
    let wake: (() => void) | undefined;
    const cancel = this.listen(key, () => {
      woken = true;
      wake?.();
    });
    return {
      cancel,
      wait: (ms, signal) =>
        new Promise<void>((resolve) => {
          if (woken || signal?.aborted) return resolve(cancel());
          const done = () => {
            clearTimeout(timer);
            signal?.removeEventListener("abort", done);
            wake = undefined;
            cancel();
            resolve();
          };
          const timer = setTimeout(done, Math.max(0, ms));
          signal?.addEventListener("abort", done, { once: true });
          wake = done;
        }),
    };
  }

  notify(key: string): void {
    for (const fn of [...(this.#listeners.get(key) ?? [])]) fn();
  }
}
