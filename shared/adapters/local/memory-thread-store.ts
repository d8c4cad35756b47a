/**
 * {@link ThreadStore} in process memory, expiring by the injected Clock: threads last as long as
 * the process (local mode, the CLI's previews, a function without a table).
 */
import { systemClock, type Clock, type ThreadStore } from '#shared/ports/index.ts';

/** Slack thread timestamps in a Map. */
export class MemoryThreadStore implements ThreadStore {
  readonly #clock: Clock;
  readonly #entries = new Map<string, { ts: string; expiresAt: number }>();

  constructor(clock: Clock = systemClock) {
    this.#clock = clock;
  }

  /** The thread `ts` remembered for `key`, unless expired (an expired entry is dropped). */
  async get(key: string): Promise<string | undefined> {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#clock.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.ts;
  }

  /** Remembers `ts` for `key` unless a live entry exists. */
  async putIfAbsent(key: string, ts: string, ttlMs: number): Promise<void> {
    if ((await this.get(key)) !== undefined) return;
    this.#entries.set(key, { ts, expiresAt: this.#clock.now() + ttlMs });
  }
}
