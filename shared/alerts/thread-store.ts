/**
 * Where the Slack thread of a revision is remembered.
 *
 * With a bot token, every message about one (cluster, Kustomization, revision) goes into the
 * thread started by the first one, so a channel shows one line per rollout. The first message's
 * `ts` is kept behind this small port: memory locally; any key-value store with expiry in AWS.
 */
import { systemClock, type Clock } from '#shared/ports/index.ts';

/** Thread timestamps by key, expiring after a while (a revision's rollout is short-lived). */
export interface ThreadStore {
  /** The remembered thread `ts` of `key`, if any and unexpired. */
  get(key: string): Promise<string | undefined>;
  /** Remembers `ts` for `key` unless one is already remembered (the first message starts the thread). */
  putIfAbsent(key: string, ts: string, ttlMs: number): Promise<void>;
}

/** How long a revision's thread is remembered. */
export const THREAD_TTL_MS = 7 * 24 * 3_600_000;

/** A ThreadStore in process memory, expiring by the injected Clock. */
export class MemoryThreadStore implements ThreadStore {
  readonly #clock: Clock;
  readonly #entries = new Map<string, { ts: string; expiresAt: number }>();

  constructor(clock: Clock = systemClock) {
    this.#clock = clock;
  }

  async get(key: string): Promise<string | undefined> {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#clock.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.ts;
  }

  async putIfAbsent(key: string, ts: string, ttlMs: number): Promise<void> {
    if ((await this.get(key)) !== undefined) return;
    this.#entries.set(key, { ts, expiresAt: this.#clock.now() + ttlMs });
  }
}
