/**
 * Local mode's stand-in for the SQS FIFO queue in front of apply: work runs one at a time per key
 * (cluster/Kustomization), keys run side by side. While one item of a key runs, only the newest
 * waiting item is kept — an older bundle that has not started yet would only be refused as stale.
 * An item whose run asks to be retried comes back after the delay unless newer work arrived.
 */
export interface QueueItem<T> {
  value: T;
  /** Ordering signal: a waiting item is replaced only by one of the same or a higher order. */
  order: number;
}

/** What a run tells the queue. */
export interface RunResult {
  retryAfterMs?: number;
}

export class KeyedApplyQueue<T> {
  readonly #run: (value: T) => Promise<RunResult>;
  readonly #onError: (error: unknown, key: string) => void;
  readonly #running = new Map<string, Promise<void>>();
  readonly #waiting = new Map<string, QueueItem<T>>();
  readonly #retries = new Map<string, ReturnType<typeof setTimeout>>();
  #stopped = false;

  constructor(run: (value: T) => Promise<RunResult>, options: { onError: (error: unknown, key: string) => void }) {
    this.#run = run;
    this.#onError = options.onError;
  }

  /** Queues `value` under `key`. */
  enqueue(key: string, item: QueueItem<T>): void {
    if (this.#stopped) return;
    const retry = this.#retries.get(key);
    if (retry) {
      clearTimeout(retry);
      this.#retries.delete(key);
    }
    const waiting = this.#waiting.get(key);
    if (!waiting || item.order >= waiting.order) this.#waiting.set(key, item);
    if (!this.#running.has(key)) this.#start(key);
  }

  #start(key: string): void {
    const item = this.#waiting.get(key);
    if (!item) return;
    this.#waiting.delete(key);
    const run = (async () => {
      try {
        const result = await this.#run(item.value);
        if (result.retryAfterMs !== undefined && !this.#waiting.has(key) && !this.#stopped) {
          const timer = setTimeout(() => {
            this.#retries.delete(key);
            this.enqueue(key, item);
          }, result.retryAfterMs);
          timer.unref();
          this.#retries.set(key, timer);
        }
      } catch (error) {
        this.#onError(error, key);
      }
    })().finally(() => {
      this.#running.delete(key);
      if (this.#waiting.has(key)) this.#start(key);
    });
    this.#running.set(key, run);
  }

  /** True while an item runs or waits. */
  get busy(): boolean {
    return this.#running.size > 0 || this.#waiting.size > 0;
  }

  /** Resolves when nothing runs or waits (retries scheduled for later do not count). */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running.values()]);
  }

  /** Drops waiting work and retries; running work finishes. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#waiting.clear();
    for (const timer of this.#retries.values()) clearTimeout(timer);
    this.#retries.clear();
    await this.idle();
  }
}
