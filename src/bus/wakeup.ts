/**
 * Lets an async loop sleep until something happens (an append, a commit, a close) or a
 * timeout passes, whichever comes first. Both bus adapters hand out batches this way.
 */
export class Wakeup {
  private waiters: (() => void)[] = [];

  /** Wakes every waiter. */
  notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Resolves on the next notify, after `ms`, or when the signal aborts. */
  wait(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      this.waiters.push(done);
    });
  }
}
